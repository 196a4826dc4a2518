"""The what-if dashboard: ``helix dashboard`` serves a page where levers are moved and a world's
answer is seen, with its uncertainty (``pip install 'helix[dashboard]'``).

- :mod:`~helix.dashboard.command`: the command (bind, warn, serve).
- :mod:`~helix.dashboard.app`: the web server (Starlette): page, assets, JSON API, progress.
- :mod:`~helix.dashboard.jobs`: the queue that runs what-ifs off the request threads.
- :mod:`~helix.dashboard.backend`: every call into the rest of helix, in one place.
- :mod:`~helix.dashboard.storeviews`: the read-only SQL over the store.
- :mod:`~helix.dashboard.pairs`: hands a what-if's runs to the processes pair by pair.
"""
