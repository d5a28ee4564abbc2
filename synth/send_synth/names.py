"""Small built-in word lists for the synthetic LA (no real people are named)."""
from __future__ import annotations

FORENAMES_M = [
    "Oliver", "Harry", "Jack", "Charlie", "Thomas", "Jacob", "Alfie", "Riley", "William", "James",
    "Joshua", "George", "Ethan", "Noah", "Samuel", "Daniel", "Oscar", "Max", "Muhammad", "Leo",
    "Dylan", "Mason", "Logan", "Lucas", "Harvey", "Tyler", "Archie", "Kian", "Ibrahim", "Yusuf",
    "Arjun", "Aarav", "Rohan", "Kacper", "Jakub", "Emmanuel", "David", "Tobi", "Kai", "Finley",
    "Callum", "Reece", "Zain", "Ayaan", "Hamza", "Liam", "Connor", "Ryan", "Bailey", "Freddie",
]
FORENAMES_F = [
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Jessica", "Ruby", "Chloe", "Freya", "Maisie", "Aisha", "Fatima",
    "Zara", "Priya", "Anaya", "Maja", "Zuzanna", "Amara", "Esther", "Precious", "Niamh", "Erin",
    "Holly", "Megan", "Leah", "Hannah", "Layla", "Maryam", "Sienna", "Phoebe", "Darcy", "Imogen",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Khan", "Singh", "Kaur", "Hussain", "Ahmed", "Begum", "Ali", "Sharma", "Mistry",
    "Okafor", "Adeyemi", "Mensah", "Boateng", "Osei", "Nowak", "Kowalski", "Wisniewski", "Popescu",
    "Murphy", "O'Brien", "Kelly", "Campbell", "Stewart", "Hughes", "Edwards", "Turner", "Hill",
    "Moore", "Cooper", "Ward", "Morris", "King", "Baker", "Harrison", "Morgan", "Bennett", "Price",
    "Bailey", "Bell", "Collins", "Cox", "Marshall", "Shaw", "Lloyd", "Mason", "Reid", "Grant",
    "Francis", "Gordon", "Hayes", "Barnes", "Webb", "Fletcher", "Palmer", "Riley", "Hart", "Lowe",
]

# Officer names (synthetic: first name + surname from a separate, small list)
OFFICER_FORENAMES = [
    "Sarah", "Helen", "Rachel", "Claire", "Joanne", "Karen", "Nicola", "Emma", "Louise", "Amanda",
    "Gemma", "Kirsty", "Paul", "Mark", "Andrew", "Simon", "Richard", "Neil", "Jasvinder", "Parminder",
    "Nasreen", "Shabana", "Abigail", "Tracey", "Lisa", "Donna", "Stephen", "Gareth", "Kerry", "Ruth",
]
OFFICER_SURNAMES = [
    "Ashworth", "Blakemore", "Carrington", "Denholm", "Eversley", "Fairbairn", "Greenhalgh", "Hartnell",
    "Ingleby", "Jessop", "Kirkland", "Lindqvist", "Marchbank", "Northcott", "Ormerod", "Pennington",
    "Quayle", "Rushworth", "Sandhu", "Thorley", "Underhill", "Varley", "Whitworth", "Yardley",
    "Bassi", "Chahal", "Dhillon", "Gill", "Adebayo", "Okonjo",
]

COVENTRY_PLACES = [
    "Allesley", "Earlsdon", "Radford", "Foleshill", "Stoke", "Wyken", "Tile Hill", "Canley", "Willenhall",
    "Binley", "Holbrooks", "Keresley", "Whitley", "Cheylesmore", "Finham", "Styvechale", "Walsgrave",
    "Bell Green", "Longford", "Hillfields", "Chapelfields", "Spon End", "Coundon", "Whoberley",
    "Eastern Green", "Westwood Heath", "Henley Green", "Ernesford Grange", "Potters Green", "Wood End",
    "Courthouse Green", "Edgwick", "Little Heath", "Upper Stoke", "Gosford Green", "Stivichale",
    "Brownshill Green", "Mount Nod", "Lower Eastern Green", "Aldermoor", "Stoke Aldermoor", "Ball Hill",
    "Wyken Croft", "Clifford Bridge", "Hawkesbury", "Parkside", "Lime Tree", "Moat House", "Pinley",
    "Templars", "Broad Heath", "Manor Farm", "Howes", "Sowe Valley", "Willenhall Wood", "Park Hill",
]
SAINTS = ["Augustine", "Mary", "Joseph", "Patrick", "Elizabeth", "John Fisher", "Anne", "Gregory",
          "Thomas More", "Christopher", "Osburg", "Bartholomew", "Laurence", "Andrew", "Michael"]
WARKS_PLACES = ["Nuneaton", "Bedworth", "Rugby", "Kenilworth", "Leamington", "Warwick", "Stratford",
                "Atherstone", "Coleshill", "Southam", "Bulkington", "Wolston"]
SOLIHULL_PLACES = ["Solihull", "Shirley", "Knowle", "Balsall Common", "Chelmsley Wood", "Meriden",
                   "Olton", "Dorridge"]
BHAM_PLACES = ["Erdington", "Acocks Green", "Selly Oak", "Handsworth", "Small Heath", "Northfield",
               "Edgbaston", "Moseley", "Kings Heath", "Sutton Coldfield", "Hall Green", "Yardley"]
STREETS = ["Church Road", "School Lane", "Park Avenue", "Station Road", "Green Lane", "Mill Lane",
           "Manor Road", "Victoria Road", "Grange Road", "Moat Avenue", "Holyhead Road", "Beake Avenue",
           "Sewall Highway", "Ansty Road", "Kenilworth Road", "Allesley Old Road", "Torrington Avenue",
           "Cannon Hill Road", "Westwood Way", "Momus Boulevard", "Jardine Crescent", "Wheelwright Lane"]

TRANSPORT_SUPPLIERS = [
    "Spires Travel Ltd", "Three Spires Taxis", "Godiva Passenger Services", "Phoenix Minibus Co",
    "Midland Accessible Transport", "Sowe Valley Cars", "Canalside Coaches", "Meridian Private Hire",
    "Westwood Community Transport", "Elm Bank Travel",
]
AGENCIES = ["Midland Education Staffing Ltd", "Spireview Recruitment Ltd", "Castlegate Public Sector Resourcing"]
CONSULTANTS = [
    ("Brightpath Educational Psychology LLP", "Educational psychology advice – statutory assessments"),
    ("Northgate SEND Consulting Ltd", "SEND sufficiency review"),
    ("Hollybank Associates", "Annual review backlog project support"),
    ("Kestrel Data Services Ltd", "SEN2 return data quality support"),
]
TUITION_PROVIDERS = ["Coventry Home Tuition Service", "Bridgeway Tuition Ltd", "Oakwood Learning Centre",
                     "Engage Alternative Education CIC"]

NOTES = [
    "Parent unable to attend – rescheduled", "Awaiting EP advice", "SENCo chased", "Paperwork incomplete",
    "Interpreter required", "Health advice outstanding", "Social care invited", "Held virtually",
    "Parent requested change of placement", "Transport to be reviewed", "Chased school for paperwork",
]
