"""One cold start: import an app and serve its first POST /emails, then say so.

Run as `python -m bench.cold_start_child herald|baseline INDEX`; the parent
times the process from spawn to each of the two lines this prints
(the app imported; its first answer). The event is built by
bench.events, which imports nothing either app does not import anyway.
"""
import sys

IMPORTED = "cold-start-imported"
DONE = "cold-start-done"


def main() -> None:
    if sys.argv[1] == "herald":
        from app import app
    else:
        from bench.baseline_app import app
    print(IMPORTED, flush=True)
    from bench.events import LambdaContext, api_event, send_body

    response = app(api_event("POST", "/emails", send_body(int(sys.argv[2]))), LambdaContext())
    print(DONE, response["statusCode"], flush=True)


if __name__ == "__main__":
    main()
