"""Routes made when they are first read, not when the app is made.

The model blueprints of a large schema (their schemas, views and documented
operations) are most of an app's start-up time, and `flask` commands, the
reloader and the tests need none of them. `App`'s URL map adds them when
something first reads the routes: a request, `url_for`, `flask routes`,
`app.url_map.iter_rules()`. A production server makes them before it takes a
request (`build_api`).
"""

import threading
from collections.abc import Callable, Iterator

from flask import Flask
from werkzeug.routing import Map, MapAdapter, Rule


class Deferred:
    """Work put off until it is first needed, then done once.

    `defer(work)` adds a function; `complete()` runs those added so far, in
    their order, and forgets them. Under a threaded server the first requests
    come in together: one of them runs the work, holding a lock, and the
    others wait for it to finish. Work that fails is not tried again: each
    later `complete()` raises, naming `what` could not be made.
    """

    def __init__(self, what: str) -> None:
        self._what = what
        self._deferred: list[Callable[[], None]] = []
        self._pending = False
        self._running = False
        self._failure: Exception | None = None
        self._lock = threading.RLock()

    @property
    def pending(self) -> bool:
        return self._pending

    def defer(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._deferred.append(work)
            self._pending = True

    def complete(self) -> None:
        """Run the deferred work now, once: the first caller runs it, and
        other threads wait until it is done."""
        if not self._pending:
            return
        with self._lock:
            if self._failure is not None:
                raise RuntimeError(
                    f"{self._what} could not be made: {self._failure}"
                ) from self._failure
            if not self._pending or self._running:
                # Done, or being done in this thread (the work reads what it
                # makes: the routes being added read the map).
                return
            self._running = True
            try:
                for work in self._deferred:
                    work()
            except Exception as error:
                self._failure = error
                raise
            finally:
                self._running = False
            self._deferred.clear()
            self._pending = False


class DeferredRoutes(Map):
    """Werkzeug's URL map, with rules that may be added when it is first read.

    `defer(add)` puts off `add` (a function registering blueprints) until
    something reads the routes; `complete()` adds them now.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._additions = Deferred("the app's routes")

    @property
    def pending(self) -> bool:
        """Whether some routes are still to be added."""
        return self._additions.pending

    def defer(self, add: Callable[[], None]) -> None:
        self._additions.defer(add)

    def complete(self) -> None:
        self._additions.complete()

    def bind(self, *args, **kwargs) -> MapAdapter:
        self.complete()
        return super().bind(*args, **kwargs)

    def bind_to_environ(self, *args, **kwargs) -> MapAdapter:
        self.complete()
        return super().bind_to_environ(*args, **kwargs)

    def iter_rules(self, endpoint=None) -> Iterator[Rule]:
        self.complete()
        return super().iter_rules(endpoint)

    def is_endpoint_expecting(self, endpoint, *arguments: str) -> bool:
        self.complete()
        return super().is_endpoint_expecting(endpoint, *arguments)


class App(Flask):
    """Flask, with routes that may be added when first read: the REST API of
    `flask_db_kit.api.Api` makes its model blueprints then."""

    url_map_class = DeferredRoutes

    def complete_api(self) -> None:
        """The deferred routes, and their operations in the OpenAPI
        document, now."""
        self.url_map.complete()


def build_api(app: Flask) -> None:
    """Make the app's REST API now, its routes and its whole OpenAPI
    document, not when a request first needs them: what a production server
    does once the app is loaded, before it takes a request (gunicorn's
    `post_worker_init`), so that no client waits for it and a mistake in the
    API's overrides stops the server's start. Once made, it is not made
    again."""
    if isinstance(app.url_map, DeferredRoutes):
        app.url_map.complete()
