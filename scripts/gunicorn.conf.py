"""gunicorn settings for `make run`: `gunicorn -c scripts/gunicorn.conf.py 'salon:create_app()'`.

Sync workers, as many as gunicorn's documentation suggests for the cores (2 × cores + 1):
a page is mostly Python work, so more processes than cores keep the CPUs busy while one
waits on the database or the disk. Override with GUNICORN_CMD_ARGS, e.g. "--workers 8".
"""
import multiprocessing

bind = "127.0.0.1:5000"
workers = 2 * multiprocessing.cpu_count() + 1
timeout = 60
graceful_timeout = 10
accesslog = "-"
