"""A bare Flask hello-world: the yardstick the load test compares the site with."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Hello, World!"""
    return "Hello, World!"
