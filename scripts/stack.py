"""The compose stack run natively on one machine: `scripts/stack.sh up|down|status|env`.

For tests, and for councils without Docker. Nothing here restates the compose file: every setting,
service, command, volume and health check is read from `docker-compose.yaml` and interpolated the way
`docker compose` does (values from the environment, then the env file, then secrets generated once
into the stack's folder). What has to differ on one shared machine is rewritten mechanically and
listed in `native_settings()`: service names become 127.0.0.1 and a port from a configurable base
(nothing collides with a real PostgreSQL, Redis or Airflow on the machine), container paths become the
host side of the compose file's volumes, and the official image's implicit settings (AIRFLOW_HOME,
DAG and plugin folders) are made explicit.

    SEND_STACK_DIR         where the stack keeps its data, logs, pids and secrets (default .stack/)
    SEND_STACK_PORT_BASE   api-server on base, metadata DB base+1, warehouse base+2, Redis base+3,
                           scheduler health base+4, worker/triggerer log servers base+5/base+6 (58100)
    SEND_STACK_ENV_FILE    the compose .env to read (default .env beside the compose file, if present)
    SEND_STACK_EXECUTOR    only to compare executors: LocalExecutor runs without the Celery worker

PostgreSQL (Debian's postgresql) and Redis (Debian's redis-server) are installed when missing and we
are root, as scripts/pg_test_server.sh does; both run as their own system users when we are root.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
# where docker/Dockerfile copies the init script in the image, and where it is in the repository
IMAGE_FILES = {"/opt/airflow/airflow-init.sh": ROOT / "docker" / "airflow-init.sh"}
# the official image's own settings (AIRFLOW_HOME=/opt/airflow), made explicit for a native process
IMAGE_DEFAULTS = {"AIRFLOW__CORE__DAGS_FOLDER": "/opt/airflow/dags",
                  "AIRFLOW__CORE__PLUGINS_FOLDER": "/opt/airflow/plugins",
                  "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "/opt/airflow/logs"}
# (service, port inside its container) -> offset from SEND_STACK_PORT_BASE
PORTS = {("airflow-apiserver", 8080): 0, ("postgres", 5432): 1, ("warehouse", 5432): 2, ("redis", 6379): 3,
         ("airflow-scheduler", 8974): 4, ("airflow-worker", 8793): 5, ("airflow-triggerer", 8794): 6}
# defaults sized for one small machine (the compose file's own defaults are for a server)
NATIVE_DEFAULTS = {"AIRFLOW_PARALLELISM": "4", "AIRFLOW_WORKER_CONCURRENCY": "4"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|PSEUDONYMISATION_URI")
AIRFLOW_COMMANDS = ("api-server", "scheduler", "dag-processor", "triggerer", "celery worker")


class StackError(RuntimeError):
    pass


# --- reading the compose file -------------------------------------------------------------------
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


_VAR = re.compile(r"\$\$|\$\{([A-Za-z0-9_]+)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text: str, values: dict[str, str]) -> str:
    """docker compose's interpolation: ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}, $$."""
    def one(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        value = values.get(name)
        if op in (":-", ":?") and value == "":
            value = None
        if value is None:
            if op in ("-", ":-"):
                return interpolate(arg, values)
            if op in ("?", ":?"):
                raise StackError(f"{name}: {arg or 'required'} (or in the environment)")
            return ""
        return value
    return _VAR.sub(one, str(text))


def variables(doc: dict | None = None) -> set[str]:
    text = COMPOSE_FILE.read_text() if doc is None else json.dumps(doc)
    return {a or b for a, b in re.findall(r"(?<!\$)\$\{([A-Za-z0-9_]+)|(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)", text)}


def read_env_file(path: Path) -> dict[str, str]:
    out = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
            if m:
                value = m.group(2).split(" #")[0].strip() if not m.group(2).startswith(("'", '"')) else m.group(2)
                out[m.group(1)] = value.strip().strip("'\"")
    return out


# --- configuration -------------------------------------------------------------------------------
class Stack:
    def __init__(self, directory: str | Path | None = None, port_base: int | None = None,
                 env: dict[str, str] | None = None):
        env = dict(os.environ if env is None else env)
        self.dir = Path(directory or env.get("SEND_STACK_DIR") or ROOT / ".stack").resolve()
        self.port_base = int(port_base or env.get("SEND_STACK_PORT_BASE") or 58100)
        self.executor = env.get("SEND_STACK_EXECUTOR") or None
        env_file = env.get("SEND_STACK_ENV_FILE") or (COMPOSE_FILE.parent / ".env")
        self.env_file = Path(env_file)
        self.doc = compose()
        self.caller_env = env

    # ports and folders
    def port(self, service: str, container_port: int) -> int:
        return self.port_base + PORTS[(service, container_port)]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port('airflow-apiserver', 8080)}"

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)

    # values for ${...}
    def secrets_file(self) -> Path:
        return self.path("secrets.env")

    def _generated(self, create: bool) -> dict[str, str]:
        """Secrets the compose file requires and nobody gave: generated once, kept owner-only."""
        stored = read_env_file(self.secrets_file())
        if not create:
            return stored
        wanted = sorted(n for n in variables() if SECRET_NAME.search(n))
        missing = [n for n in wanted if n not in stored]
        if missing:
            from cryptography.fernet import Fernet

            for name in missing:
                if "FERNET" in name:
                    stored[name] = Fernet.generate_key().decode()
                elif name.endswith("PSEUDONYMISATION_URI"):
                    stored[name] = f"generic://:{secrets.token_hex(32)}@"
                else:
                    stored[name] = secrets.token_hex(24)
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.secrets_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write("# generated by scripts/stack.sh: the native stack's secrets (owner-only)\n")
                handle.writelines(f"{k}={v}\n" for k, v in sorted(stored.items()))
        return stored

    def values(self, create: bool = False) -> dict[str, str]:
        """Environment, then the env file, then native defaults and generated secrets (compose's order:
        the shell wins over .env). Only the compose file's own variables are taken from the environment."""
        used = variables()
        values = {**self._generated(create), **NATIVE_DEFAULTS,
                  "AIRFLOW_UID": str(os.getuid()), "SEND_ALERT_BASE_URL": self.api_url}
        values.update({k: v for k, v in read_env_file(self.env_file).items() if k in used})
        values.update({k: v for k, v in self.caller_env.items() if k in used})
        return values

    # volumes and names
    def mounts(self, service: str, values: dict[str, str]) -> dict[str, Path]:
        """Container path -> host path, from the service's volumes (named volumes live in the stack dir)."""
        spec = self._service(service)
        volumes = spec.get("volumes") or []
        out = {}
        for item in volumes:
            source, target = interpolate(item, values).split(":")[:2]
            if source.startswith((".", "/")):
                out[target] = (COMPOSE_FILE.parent / source).resolve()
            else:
                out[target] = self.path("volumes", source)
        for container, host in IMAGE_FILES.items():
            out.setdefault(container, host)
        return out

    def _service(self, name: str) -> dict:
        if name == "x-airflow-common":
            return self.doc["x-airflow-common"]
        return self.doc["services"][name]

    def native(self, text: str, service: str, mounts: dict[str, Path]) -> str:
        """A compose value as it must read natively: service names -> 127.0.0.1:port, container paths ->
        host paths, a service's own localhost ports -> its native port."""
        for (name, cport), _ in PORTS.items():
            nport = self.port(name, cport)
            text = re.sub(rf"(?<=[@/]){re.escape(name)}(?::{cport})?(?=/|$)", f"127.0.0.1:{nport}", text)
            if name == service:
                text = re.sub(rf"\blocalhost:{cport}\b", f"127.0.0.1:{nport}", text)
        for container in sorted(mounts, key=len, reverse=True):
            text = re.sub(rf"(?<![\w/.-]){re.escape(container)}(?=$|[/:\s\"'])", str(mounts[container]), text)
        return text

    def native_settings(self) -> dict[str, str]:
        """What a native process needs beyond the compose file's environment (ports and folders only)."""
        settings = {
            "AIRFLOW_HOME": str(self.path("airflow")),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port("airflow-apiserver", 8080)),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.port("airflow-scheduler", 8974)),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.port("airflow-worker", 8793)),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.port("airflow-triggerer", 8794)),
        }
        if self.executor:
            settings["AIRFLOW__CORE__EXECUTOR"] = self.executor
        return settings

    def service_env(self, service: str, values: dict[str, str] | None = None) -> dict[str, str]:
        """The environment compose gives `service`, as a native process needs it."""
        values = values or self.values()
        spec = self._service(service)
        mounts = self.mounts(service, values)
        env = {k: self.native(interpolate(v, values), service, mounts) for k, v in (spec.get("environment") or {}).items()}
        if "image" in spec and str(spec.get("image", "")).startswith(("postgres:", "redis:")):
            return env
        for key, value in IMAGE_DEFAULTS.items():
            env.setdefault(key, self.native(value, service, mounts))
        env.update(self.native_settings())
        return env

    def airflow_env(self, service: str = "airflow-scheduler", values: dict[str, str] | None = None) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SEND_", "PYTHONPATH"))}
        base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
        return {**base, **self.service_env(service, values)}

    def airflow_services(self) -> list[str]:
        services = self.doc["services"]
        out = [n for n, s in services.items() if s.get("command") in AIRFLOW_COMMANDS]
        if self.executor and self.executor != "CeleryExecutor":
            out = [n for n in out if services[n]["command"] != "celery worker"]
        return out


# --- processes -----------------------------------------------------------------------------------
def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    if not found:
        _apt_install("postgresql")
        return _pg_bin()
    return found[-1].parent


def _apt_install(package: str) -> None:
    if os.getuid() != 0:
        raise StackError(f"{package} is not installed and we are not root: apt-get install {package}")
    print(f"== installing Debian's {package}", file=sys.stderr)
    subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + package,
                   shell=True, check=True, stdout=sys.stderr)


def _as(user: str | None, args: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *args] if user and os.getuid() == 0 else args


def _system_user(name: str) -> str | None:
    if os.getuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        return None


def _chown(path: Path, user: str | None) -> None:
    if user:
        shutil.chown(path, user, user)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


class Runner:
    def __init__(self, stack: Stack):
        self.stack = stack

    def log(self, name: str) -> Path:
        return self.stack.path("log", f"{name}.log")

    def pidfile(self, name: str) -> Path:
        return self.stack.path("run", f"{name}.pid")

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pidfile(name).read_text())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        if self.pid(name):
            return
        with open(self.log(name), "ab") as log:
            proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.stack.dir, start_new_session=True)
        self.pidfile(name).write_text(str(proc.pid))

    # PostgreSQL, as the postgres image's entrypoint does it: initdb with the superuser and password,
    # create POSTGRES_DB, run /docker-entrypoint-initdb.d once; password auth on loopback only
    def postgres(self, name: str, values: dict[str, str]) -> None:
        env = self.stack.service_env(name, values)
        mounts = self.stack.mounts(name, values)
        data = mounts["/var/lib/postgresql/data"]
        port = self.stack.port(name, 5432)
        pg_bin, user = _pg_bin(), _system_user("postgres")
        fresh = not (data / "PG_VERSION").exists()
        if fresh:
            data.mkdir(parents=True, exist_ok=True, mode=0o700)
            _chown(data, user)
            if user and subprocess.run(_as(user, ["test", "-w", str(data)])).returncode:
                raise StackError(f"the postgres user cannot reach {data}: choose a SEND_STACK_DIR it can traverse")
            pwfile = data.with_name(data.name + ".pw")  # initdb wants an empty data folder
            fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(env["POSTGRES_PASSWORD"] + "\n")
            _chown(pwfile, user)
            subprocess.run(_as(user, [str(pg_bin / "initdb"), "-D", str(data), "-U", env["POSTGRES_USER"],
                                      f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8"]),
                           check=True, stdout=subprocess.DEVNULL)
            pwfile.unlink()
        status = subprocess.run(_as(user, [str(pg_bin / "pg_ctl"), "-D", str(data), "status"]), capture_output=True)
        if status.returncode != 0:
            if _listening(port):
                raise StackError(f"port {port} for {name} is taken: set SEND_STACK_PORT_BASE")
            subprocess.run(_as(user, [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
                                      "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
                                      "start"]), check=True, stdout=subprocess.DEVNULL)
        if fresh:
            psql_env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(port), "PGUSER": env["POSTGRES_USER"],
                        "PGPASSWORD": env["POSTGRES_PASSWORD"]}
            db = env.get("POSTGRES_DB") or env["POSTGRES_USER"]
            if db != "postgres":  # as the image does
                subprocess.run(["psql", "-q", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{db}"'],
                               env=psql_env, check=True)
            init = mounts.get("/docker-entrypoint-initdb.d")
            for script in sorted(init.iterdir()) if init else []:
                run_env = {**psql_env, **env, "PGDATABASE": db}
                if script.suffix == ".sh":
                    subprocess.run(["bash", str(script)], env=run_env, check=True, stdout=subprocess.DEVNULL)
                elif script.suffix == ".sql":
                    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)], env=run_env, check=True)

    def redis(self, name: str, values: dict[str, str]) -> None:
        if self.pid(name):
            return
        port = self.stack.port(name, 6379)
        if _listening(port):
            raise StackError(f"port {port} for {name} is taken: set SEND_STACK_PORT_BASE")
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            _apt_install("redis-server")
        user = _system_user("redis")
        data = self.stack.path("volumes", name)
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        _chown(data, user)
        self.spawn(name, _as(user, [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
                                    "--daemonize", "no", "--save", "", "--appendonly", "no"]),
                   {**os.environ, **self.stack.service_env(name, values)})

    def healthcheck(self, name: str, values: dict[str, str], timeout: float = 30) -> bool:
        """The compose file's own health check for the service, pointed at its native port."""
        spec = self.stack.doc["services"][name]
        test = [interpolate(t, values) for t in spec["healthcheck"]["test"]]
        env = (self.stack.airflow_env(name, values) if name.startswith("airflow-")
               else {**os.environ, **self.stack.service_env(name, values)})
        if name in ("postgres", "warehouse"):
            env.update(PGHOST="127.0.0.1", PGPORT=str(self.stack.port(name, 5432)))
        # in a container both are the container's name; natively Celery names its worker after the
        # host name and Airflow records a job's host by airflow.utils.net.getfqdn
        env["HOSTNAME"] = socket.gethostname() if "celery" in " ".join(test) else _airflow_hostname()
        mounts = self.stack.mounts(name, values)
        args = [self.stack.native(t, name, mounts) for t in test[1:]]
        if args and args[0] == "redis-cli":
            args[1:1] = ["-h", "127.0.0.1", "-p", str(self.stack.port(name, 6379))]
        command = ["bash", "-c", args[0]] if test[0] == "CMD-SHELL" else args
        try:
            return subprocess.run(command, env=env, capture_output=True, timeout=timeout).returncode == 0
        except (subprocess.TimeoutExpired, FileNotFoundError):
            return False

    def wait_healthy(self, names: list[str], values: dict[str, str], timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            for name in list(pending):
                if self.healthcheck(name, values):
                    pending.remove(name)
                elif name.startswith("airflow-") and not self.pid(name):
                    raise StackError(f"{name} exited: see {self.log(name)}\n" + _tail(self.log(name)))
            if pending and time.monotonic() > deadline:
                raise StackError(f"not healthy after {timeout:.0f} s: {', '.join(pending)} (logs in {self.stack.path('log')})")
            if pending:
                time.sleep(2)

    def up(self) -> None:
        stack = self.stack
        for sub in ("log", "run", "volumes"):
            stack.path(sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (stack.dir, stack.path("volumes")):  # the postgres and redis users pass through
            os.chmod(folder, 0o711)                        # to their own folders, and list nothing
        values = stack.values(create=True)
        services = stack.doc["services"]
        for name, spec in services.items():
            image = str(spec.get("image", ""))
            if image.startswith("postgres:"):
                self.postgres(name, values)
            elif image.startswith("redis:"):
                self.redis(name, values)
        infra = [n for n, s in services.items() if str(s.get("image", "")).startswith(("postgres:", "redis:"))]
        self.wait_healthy(infra, values, timeout=60)
        for name, spec in services.items():  # one-off set-up (airflow-init): its command, natively
            if spec.get("command") not in AIRFLOW_COMMANDS and name.startswith("airflow-"):
                env = stack.airflow_env(name, values)
                command = [stack.native(interpolate(c, values), name, stack.mounts(name, values))
                           for c in (spec["command"] if isinstance(spec["command"], list) else [spec["command"]])]
                with open(self.log(name), "ab") as log:
                    done = subprocess.run(["bash", *command], env=env, stdout=log, stderr=subprocess.STDOUT)
                if done.returncode:
                    raise StackError(f"{name} failed: see {self.log(name)}\n" + _tail(self.log(name)))
        started = stack.airflow_services()
        for name in started:
            port = next((stack.port(s, p) for (s, p) in PORTS if s == name), None)
            if port and not self.pid(name) and _listening(port):
                raise StackError(f"port {port} for {name} is taken: set SEND_STACK_PORT_BASE")
        for name in started:  # depends_on: the worker waits for a healthy api-server, as in compose
            if "airflow-apiserver" in (services[name].get("depends_on") or {}) and name != "airflow-apiserver":
                continue
            self.spawn(name, ["airflow", *services[name]["command"].split()], stack.airflow_env(name, values))
        self.wait_healthy(["airflow-apiserver"], values)
        for name in started:
            self.spawn(name, ["airflow", *services[name]["command"].split()], stack.airflow_env(name, values))
        self.wait_healthy(started, values)

    def down(self) -> None:
        stack = self.stack
        names = [n for n in stack.doc["services"] if n.startswith("airflow-")] + ["redis"]
        pids = {n: self.pid(n) for n in names}
        for name, pid in pids.items():
            if pid:
                try:
                    os.killpg(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 45
        for name, pid in pids.items():
            while pid and _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.5)
            if pid and _alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.pidfile(name).unlink(missing_ok=True)
        values = stack.values()
        for name, spec in stack.doc["services"].items():
            if str(spec.get("image", "")).startswith("postgres:"):
                data = stack.mounts(name, values)["/var/lib/postgresql/data"]
                if (data / "postmaster.pid").exists():
                    subprocess.run(_as(_system_user("postgres"), [str(_pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast",
                                                                  "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def status(self) -> dict[str, bool]:
        values = self.stack.values()
        out = {}
        for name in self.stack.doc["services"]:
            spec = self.stack.doc["services"][name]
            if "healthcheck" not in spec or (name.startswith("airflow-") and name not in self.stack.airflow_services()):
                continue
            out[name] = self.healthcheck(name, values, timeout=20)
        return out


def _airflow_hostname() -> str:
    """The host name Airflow records for a job (airflow.utils.net.getfqdn, without importing Airflow)."""
    name = socket.gethostname()
    try:
        for addr in socket.getaddrinfo(name, None, 0, socket.SOCK_DGRAM, 0, socket.AI_CANONNAME):
            if addr[3]:
                return addr[3]
    except OSError:
        pass
    return name


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- a REST client, as a real one would be -------------------------------------------------------
def http(url: str, token: str | None = None, data: dict | None = None, method: str | None = None,
         timeout: float = 30):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                     headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode()
            return response.status, (json.loads(body) if body.startswith(("{", "[")) else body)
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        return exc.code, (json.loads(body) if body.startswith(("{", "[")) else body)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


class Client:
    """The Airflow REST API with a JWT from /auth/token (the auth manager's login)."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        status, body = http(f"{base}/auth/token", data={"username": username, "password": password}, method="POST")
        if status not in (200, 201):
            raise StackError(f"log-in to {base} refused ({status}): {body}")
        self.token = body["access_token"]

    def get(self, path: str):
        return http(f"{self.base}/api/v2/{path}", token=self.token)

    def post(self, path: str, data: dict, method: str = "POST"):
        return http(f"{self.base}/api/v2/{path}", token=self.token, data=data, method=method)

    def wait_for_dags(self, dag_ids, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            status, body = self.get("dags?limit=100")
            if status == 200 and set(dag_ids) <= {d["dag_id"] for d in body["dags"]}:
                return
            if time.monotonic() > deadline:
                raise StackError(f"DAGs not parsed after {timeout:.0f} s: {body}")
            time.sleep(2)

    def trigger(self, dag_id: str, logical_date: str | None = None, conf: dict | None = None) -> str:
        self.post(f"dags/{dag_id}", {"is_paused": False}, method="PATCH")
        status, run = self.post(f"dags/{dag_id}/dagRuns", {"logical_date": logical_date, "conf": conf or {}})
        if status not in (200, 201):
            raise StackError(f"trigger {dag_id}: {status} {run}")
        return run["dag_run_id"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 900) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status, run = self.get(f"dags/{dag_id}/dagRuns/{run_id}")
            if status == 200 and run["state"] in ("success", "failed"):
                return run
            if time.monotonic() > deadline:
                raise StackError(f"{dag_id} {run_id} still {run.get('state') if status == 200 else run} after {timeout:.0f} s")
            time.sleep(2)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        status, body = self.get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=200")
        return {f"{t['task_id']}[{t['map_index']}]" if t["map_index"] >= 0 else t["task_id"]: t["state"]
                for t in body["task_instances"]}


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    stack = Stack()
    runner = Runner(stack)
    try:
        if command == "up":
            t0 = time.monotonic()
            runner.up()
            print(f"== stack up in {time.monotonic() - t0:.0f} s: UI and API at {stack.api_url} "
                  f"(user {stack.values().get('AIRFLOW_ADMIN_USER', 'admin')}, password in {stack.secrets_file()} or your .env)")
            return 0
        if command == "down":
            runner.down()
            print(f"== stack down (data kept in {stack.dir})")
            return 0
        if command == "status":
            health = runner.status()
            for name, ok in health.items():
                pid = runner.pid(name) if name.startswith("airflow-") or name == "redis" else None
                print(f"{name:24} {'healthy' if ok else 'DOWN':8} {'pid ' + str(pid) if pid else ''}")
            return 0 if health and all(health.values()) else 1
        if command == "env":  # for the airflow CLI against the stack: eval "$(scripts/stack.sh env)"
            import shlex

            for key, value in sorted(stack.service_env("airflow-scheduler").items()):
                print(f"export {key}={shlex.quote(value)}")
            return 0
    except (StackError, subprocess.CalledProcessError) as exc:
        print(f"stack: {exc}", file=sys.stderr)
        return 1
    print("usage: scripts/stack.sh up|down|status|env", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
