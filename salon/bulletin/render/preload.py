"""Imported once by the render workers' fork server: WeasyPrint loaded, fonts opened and
Pango warmed up, then every worker forks from this state and starts laying out at once."""
import gc
import logging

from .pdf import warm_up

try:
    warm_up()
except Exception:  # a worker that is not warm still works; it loads the fonts itself
    logging.getLogger(__name__).exception("bulletin render warm-up failed")
# What is loaded now lives as long as the workers: keep the collector from scanning it
# (and so from touching pages the workers share with the fork server).
gc.freeze()
