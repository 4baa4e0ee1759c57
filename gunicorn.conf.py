# gunicorn reads this file from the folder it starts in (the image's /app, `make bench`), and
# the Dockerfile also names it with --config. Settings for the deployment (bind, workers, the
# access log) stay on the command line; this file holds what must hold wherever gunicorn runs.

# Password-reset and invitation tokens never reach the access or error log (core/logs.py).
logger_class = "core.gunicorn_logging.Logger"
