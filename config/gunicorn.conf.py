"""gunicorn settings for production: sync workers (NOTES.md: WSGI beats ASGI here)."""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycling guards against slow leaks; at 2,000 it restarted a worker every second under a
# closing rush and the restarts dominated p99 (issue 10).
max_requests = 50000
max_requests_jitter = 5000
accesslog = "-"
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Pay each worker's first-request costs (the URLconf, the templates, WeasyPrint's
    fonts) before it takes requests, so its first learners are served as quickly as the
    rest (celedger.core.warm)."""
    from celedger.core.warm import warm_up_worker

    warm_up_worker()
