"""The benchmarks' AWS emulation: the local stack's moto server (DynamoDB made
thread safe, transactions without whole-table copies) in a process of its own.

Run as `python -m bench.moto_process PORT`; it serves 127.0.0.1:PORT until
terminated.
"""
import sys
import threading


def main() -> None:
    from local_stack.emulator import LocalMotoServer

    server = LocalMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
    server.start()
    threading.Event().wait()  # SIGTERM ends the process


if __name__ == "__main__":
    main()
