"""The baseline for HTTP ratios: a hello-world JSON endpoint, served by the same gunicorn configuration."""

from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.post("/hello")
    def hello():
        return jsonify({"hello": "world"})

    return app
