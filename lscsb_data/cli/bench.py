"""The benchmark command: prints figures, never fails on time."""
from __future__ import annotations

ORDER = 90


def cmd_bench(args) -> int:
    if args.pack:
        from lscsb_data.tools import bench_pack

        return bench_pack.main(args)
    if args.load:
        from lscsb_data.tools import bench_load

        return bench_load.main(args)
    if args.hostile:
        from lscsb_data.tools import hostile

        return hostile.main(args)
    if args.national:
        from lscsb_data.tools import bench_national

        return bench_national.main(args)
    from lscsb_data.tools import bench

    return bench.main(args)


def register(commands, common) -> None:
    bench = commands.add_parser("bench", parents=[common], help="time the engine (prints figures, never fails on time)")
    bench.add_argument("--repeat", type=int, default=20, metavar="N", help="timed runs of each step (default: 20); the median is printed")
    bench.add_argument("--pack", action="store_true", help="time performance packs instead: one CSP, and every CSP")
    bench.add_argument("--quarter", metavar="YYYY-YY-Qn", help="with --pack: the quarter (default: the latest whole one)")
    bench.add_argument("--load", action="store_true",
                       help="time loading police.uk files (24 real months, then a synthetic national set) against plain pandas")
    bench.add_argument("--policeuk-zip", default=None, metavar="ZIP",
                       help="the real months for --load (default: ../shared/reference/policeuk/leicestershire-2019-12-to-2021-11.zip)")
    bench.add_argument("--national-rows", type=int, default=10_000_000, metavar="N",
                       help="rows in the synthetic national set for --load (0 skips it)")
    bench.add_argument("--national", action="store_true",
                       help="the engine on the demo and a national-scale database (every LA, ten years) beside plain pandas")
    bench.add_argument("--hostile", action="store_true",
                       help="load each hostile file (huge header, zip bomb, 20-digit counts, 300 KB field...): time, memory, message")
    bench.add_argument("--checkout", metavar="DIR", help="with --hostile: run that checkout's loader (e.g. main before a change)")
    bench.add_argument("--bomb-mb", type=int, default=1900, metavar="MB", help="with --hostile: the zip bomb's unpacked size")
    bench.add_argument("--members", type=int, default=100_000, metavar="N", help="with --hostile: members in the many-member zip")
    bench.add_argument("--timeout", type=float, default=90, metavar="S", help="with --hostile: kill a load still running after S seconds")
    bench.set_defaults(func=cmd_bench)
