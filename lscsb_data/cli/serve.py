"""The serve command: the dashboard on one port, warmed before it says it is ready; several processes behind nginx."""
from __future__ import annotations

ORDER = 80


def cmd_serve(args) -> int:
    from lscsb_data.tools import serving

    return serving.main(args)


def register(commands, common) -> None:
    serve = commands.add_parser(
        "serve", parents=[common],
        help="serve the dashboard (what make run and make serve do): one process, or several behind nginx")
    serve.add_argument("--port", type=int, default=8501, help="the port visitors use (default 8501)")
    serve.add_argument("--address", default="0.0.0.0",
                       help="the address to listen on (default 0.0.0.0, every interface; 127.0.0.1 for this machine only)")
    serve.add_argument("--replicas", type=int, default=1,
                       help="app processes; more than one puts nginx in front with sticky sessions (default 1)")
    serve.set_defaults(func=cmd_serve)
