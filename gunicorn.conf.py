# gunicorn reads this file from the folder it starts in (the image's /app, `make bench`), and
# the Dockerfile also names it with --config. Settings for the deployment (bind, workers, the
# access log) stay on the command line; this file holds what must hold wherever gunicorn runs.

import os
import shutil
import tempfile

# A meeting's followers each hold a request open while it waits for the next decision
# (meetings/live.py): threads, not one request per process, or a few followers would take
# every worker. Waiting threads hold no database connection.
worker_class = "gthread"
threads = 8

# Password-reset and invitation tokens never reach the access or error log (core/logs.py),
# and with LOG_FORMAT=json (the default with DEBUG off) both are JSON lines.
logger_class = "core.gunicorn_logging.Logger"

# /metrics sums the request figures of every worker process, not only of the one that answers
# the scrape: prometheus_client's multiprocess mode, in a folder of this server's own (two
# servers on one machine must not share it). Set before any worker imports the client.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="focus-prometheus-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    # Figures of an earlier server in the same folder would be summed with ours.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
