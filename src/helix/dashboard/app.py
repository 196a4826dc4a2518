"""The dashboard's web server: a Starlette app serving one page, its assets and a JSON API.

Everything the page loads comes from this server (plotly.js from the installed plotly package),
so it works with no internet. Endpoints are plain functions (Starlette runs them in its thread
pool); simulations run only in the job queue's worker. Progress is streamed as server-sent
events. Any :class:`~helix.errors.HelixError` (a bad lever, a locked database) is answered as
``{"error": LINE}``, the CLI's one line, and shown in the page: with status 400 or 409 where a
request failed, and as ``{"ok": false, ...}`` with status 200 from the endpoints that only check
what is typed (the browser logs every 4xx as an error, and a refused lever is not one).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helix.dashboard import backend, storeviews
from helix.dashboard.jobs import JobQueue
from helix.dashboard.storeviews import StoreGate

EVENT_INTERVAL_S = 0.25
ASSETS = ("index.html", "app.js", "style.css")
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
IDENT = re.compile(r"^[A-Za-z0-9_-]+$")  # run, experiment and calibration ids


@dataclass
class Settings:
    """What ``helix dashboard`` was started with."""

    db: Path
    scenario: str | None = None
    workers: int | None = None
    folder: Path | None = None  # experiment files and reports (default: beside the database)
    warm: bool = True
    # Host names the page may be reached by (None: any). On a loopback address the command
    # allows only loopback names, so a web page elsewhere cannot reach the dashboard through a
    # DNS name that resolves to 127.0.0.1 (DNS rebinding).
    allowed_hosts: list[str] | None = None


async def _json_body(request: Request) -> Any:
    """A POST's JSON body; other content types are refused, so that a page on another site
    cannot start simulations with a plain form (only JSON needs the browser's CORS preflight,
    which this server never grants)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise backend.HelixError("send JSON (Content-Type: application/json)", key="request")
    try:
        return await request.json()
    except ValueError:
        raise backend.HelixError("the body is not JSON", key="request") from None


def _error(exc: backend.HelixError, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": exc.line()}, status_code=status)


def _asset(name: str) -> str:
    return (resources.files("helix.dashboard") / "static" / name).read_text(encoding="utf-8")


def what_if_from(body: dict[str, Any], default_scenario: str | None) -> backend.WhatIf:
    """The page's JSON as a :class:`~helix.dashboard.backend.WhatIf` (a ScenarioError if bad)."""
    try:
        return backend.WhatIf(
            scenario=body.get("scenario") or default_scenario,
            changes=dict(body.get("changes") or {}),
            removed=tuple(body.get("removed") or ()),
            replicates=int(body.get("replicates", 4)),
            until=body.get("until") or None,
            scale=None if body.get("scale") in (None, "") else float(body["scale"]),
            seed=None if body.get("seed") in (None, "") else int(body["seed"]),
        )
    except (TypeError, ValueError) as exc:
        raise backend.ScenarioError(f"not a what-if ({exc})", key="request") from None


def create_app(settings: Settings) -> Starlette:
    """The dashboard for one store; the job queue starts with the app and stops with it."""
    folder = settings.folder or settings.db.resolve().parent / "helix-dashboard"
    gate = StoreGate(settings.db)
    state: dict[str, JobQueue] = {}

    def jobs() -> JobQueue:
        return state["jobs"]

    def page(request: Request) -> Response:
        return Response(_asset("index.html"), media_type="text/html")

    def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "plotly.min.js":
            return Response(get_plotlyjs(), media_type="text/javascript")
        if name not in ASSETS:
            return Response("not found", status_code=404)
        return Response(_asset(name), media_type=TYPES[Path(name).suffix])

    def world(request: Request) -> Response:
        scenario = request.query_params.get("scenario") or settings.scenario
        try:
            return JSONResponse(backend.describe_world(scenario))
        except backend.HelixError as exc:
            return _error(exc)

    def parameter(request: Request) -> Response:
        scenario = request.query_params.get("scenario") or settings.scenario
        try:
            world = backend.load_scenario(scenario)
            info = backend.parameter_info(world, request.query_params.get("key", ""))
        except backend.HelixError as exc:  # a verdict on what was typed, not a failed request
            return JSONResponse({"ok": False, "error": exc.line()})
        return JSONResponse({"ok": True, **info})

    async def check(request: Request) -> Response:
        try:
            what_if = what_if_from(await _json_body(request), settings.scenario)
            world = await asyncio.to_thread(backend.check_what_if, what_if)
            await asyncio.to_thread(jobs().prepare, what_if)
        except backend.HelixError as exc:  # a verdict on the levers, not a failed request
            return JSONResponse({"ok": False, "error": exc.line()})
        return JSONResponse({"ok": True, "start": world.start, "end": world.end})

    async def submit(request: Request) -> Response:
        try:
            what_if = what_if_from(await _json_body(request), settings.scenario)
            job = await asyncio.to_thread(jobs().submit, what_if)
        except backend.HelixError as exc:
            return _error(exc)
        return JSONResponse(job.view(jobs().position(job)))

    def job_of(request: Request) -> Any:
        return jobs().jobs.get(request.path_params["job"])

    def job_view(request: Request) -> Response:
        job = job_of(request)
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse(job.view(jobs().position(job)))

    def job_list(request: Request) -> Response:
        return JSONResponse([j.view(jobs().position(j)) for j in jobs().jobs.values()])

    async def cancel(request: Request) -> Response:
        try:
            await _json_body(request)
        except backend.HelixError as exc:
            return _error(exc)
        job = job_of(request)
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        jobs().cancel(job)
        return JSONResponse(job.view(jobs().position(job)))

    async def events(request: Request) -> Response:
        job = job_of(request)
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)

        async def stream() -> AsyncIterator[str]:
            last = None
            while True:
                view = json.dumps(job.view(jobs().position(job)))
                if view != last:
                    last = view
                    yield f"data: {view}\n\n"
                if job.state in ("done", "cancelled", "failed"):
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(EVENT_INTERVAL_S)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    def store_listing(request: Request) -> Response:
        if not settings.db.exists():
            return JSONResponse(
                {"runs": [], "experiments": [], "calibrations": [], "db": str(settings.db)}
            )
        try:
            with gate.cursor() as cur:
                return JSONResponse({**storeviews.listing(cur), "db": str(settings.db)})
        except backend.HelixError as exc:
            return _error(exc, 409)

    def summary(request: Request) -> Response:
        try:
            with gate.cursor() as cur:
                rows = storeviews.summary_rows(cur, request.path_params["experiment"])
        except backend.HelixError as exc:
            return _error(exc, 409)
        return JSONResponse({"rows": rows})

    def series(request: Request) -> Response:
        indicator = request.query_params.get("indicator", "output")
        city = request.query_params.get("city", "")
        if indicator not in backend.INDICATORS:
            return JSONResponse(
                {"error": f"indicator: unknown indicator {indicator!r}"}, status_code=400
            )
        try:
            with gate.cursor() as cur:
                data = storeviews.series(
                    cur,
                    request.path_params["experiment"],
                    indicator,
                    city,
                    sector=request.query_params.get("sector") or None,
                    district=request.query_params.get("district") or None,
                )
        except backend.HelixError as exc:
            return _error(exc, 409)
        return JSONResponse(data)

    def channel(request: Request) -> Response:
        try:
            with gate.cursor() as cur:
                rows = storeviews.channel(
                    cur, request.path_params["experiment"], request.query_params.get("city", "")
                )
        except backend.HelixError as exc:
            return _error(exc, 409)
        return JSONResponse({"rows": rows, "run_of_months": storeviews.RUN_OF_MONTHS})

    async def report(request: Request) -> Response:
        try:
            body = await _json_body(request)
        except backend.HelixError as exc:
            return _error(exc)
        kind = body.get("kind")
        ident = str(body.get("id", ""))
        if kind not in ("run", "experiment", "calibration") or not IDENT.match(ident):
            return JSONResponse(
                {"error": "report: name a run, experiment or calibration"}, status_code=400
            )
        out = folder / f"report-{ident}"

        def write() -> Any:
            with gate.alone():
                return backend.write_report(
                    settings.db,
                    [ident] if kind == "run" else [],
                    experiment=ident if kind == "experiment" else None,
                    calibration=ident if kind == "calibration" else None,
                    out_dir=out,
                    pngs=False,
                )

        try:
            await asyncio.to_thread(write)
        except backend.HelixError as exc:
            return _error(exc, 409)
        return JSONResponse({"url": f"/reports/{out.name}/report.html"})

    def report_file(request: Request) -> Response:
        name = request.path_params["folder"]
        path = folder / name / "report.html"
        if "/" in name or ".." in name or not path.is_file():
            return Response("no such report", status_code=404)
        return FileResponse(path, media_type="text/html")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["jobs"] = JobQueue(settings.db, folder, gate, settings.workers)
        if settings.warm:
            state["jobs"].warm()
        try:
            yield
        finally:
            await asyncio.to_thread(state["jobs"].close)

    routes = [
        Route("/", page),
        Route("/static/{name}", asset),
        Route("/api/world", world),
        Route("/api/parameter", parameter),
        Route("/api/check", check, methods=["POST"]),
        Route("/api/whatif", submit, methods=["POST"]),
        Route("/api/jobs", job_list),
        Route("/api/jobs/{job}", job_view),
        Route("/api/jobs/{job}/cancel", cancel, methods=["POST"]),
        Route("/api/jobs/{job}/events", events),
        Route("/api/store", store_listing),
        Route("/api/experiments/{experiment}/summary", summary),
        Route("/api/experiments/{experiment}/series", series),
        Route("/api/experiments/{experiment}/channel", channel),
        Route("/api/report", report, methods=["POST"]),
        Route("/reports/{folder}/report.html", report_file),
    ]
    middleware = []
    if settings.allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts))
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
