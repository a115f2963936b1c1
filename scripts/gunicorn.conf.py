"""gunicorn settings for registrar in production:

    gunicorn -c scripts/gunicorn.conf.py 'registrar:create_app()'

Each setting can be changed from the environment (names below) or on the command line.
"""

import os

from gunicorn.glogging import Logger

from registrar.logs import redact

bind = os.environ.get("REGISTRAR_BIND", "127.0.0.1:8000")
# Processes, not threads: requests are mostly Python work, and threads of one process took
# turns at the GIL, which tripled the slowest scans at a busy door (scripts/bench-scans
# --threads). Seats and scans are decided in the database under a row lock, so workers share
# nothing else. gthread keeps idle keep-alive connections off the workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("REGISTRAR_THREADS", "1"))
# A request that takes longer has gone wrong (a badge sheet of hundreds is the slowest: ~2 s).
timeout = int(os.environ.get("REGISTRAR_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("REGISTRAR_ACCESS_LOG", "-")
errorlog = "-"
# Address from the proxy, time, request (tokens removed, see below), status, size, duration.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class RedactingLogger(Logger):
    """The access log without personal link tokens in the paths (see registrar/logs.py)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = RedactingLogger
