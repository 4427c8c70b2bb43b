"""Headers every response carries, gunicorn's own error responses included.

Plain Python with no imports: gunicorn's master loads it by file path (service/platform/gunicorn_worker.py),
and never imports the service package.
"""

# JSON answers and the /docs page; the workshop pages (service/api/pages.py) set a stricter one.
# 'data:' images: Swagger UI's stylesheet draws its icons with them.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate CSP 2
    ("Referrer-Policy", "no-referrer"),
)


def header_names(headers) -> set[str]:
    """The lower-cased names of a response's headers. werkzeug's `name in response.headers` raises and
    catches an HTTP exception for each name that is missing: a tenth of a ranking's CPU for a few checks."""
    return {name.lower() for name, _ in headers}
