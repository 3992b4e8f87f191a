"""The site's features, in the order the app factory registers them and `flask demo` seeds them.

Adding a feature is one line in FEATURES. Its package provides `init_app(app)`, which
registers its blueprint(s), CLI group and hooks (its JSON routes, in its `api.py`, attach
to `salon.api.bp` when the package imports them), and may provide `seed_demo()`, which
`flask demo` calls after the shared demo data is loaded.
"""
from . import (
    accounts,
    assessment,
    bulletin,
    dashboard,
    lectures,
    notifications,
    posts,
    problems,
    salons,
    search,
    signoff,
    suggestions,
)

# The bulletin comes last: its demo issues are made of what every other feature seeded, and
# a leader's 签发 holds for exactly those words.
FEATURES = (accounts, salons, posts, problems, search, dashboard, notifications, signoff,
            suggestions, lectures, assessment, bulletin)
