"""`python -m bench.load PATH COUNT`: exactly COUNT GETs of PATH from 8 threads, then exit.

A load generator for runs bounded by a number of requests (wrk's are bounded by
time); prints how many answers were not 200.
"""

from __future__ import annotations

import http.client
import sys
import threading

from bench.stack import APP_PORT, HOST

THREADS = 8


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2])
    failures = [0] * THREADS

    def run(index: int) -> None:
        for _ in range(count // THREADS + (index < count % THREADS)):
            connection = http.client.HTTPConnection(HOST, APP_PORT, timeout=60)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            failures[index] += response.status != 200
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(sum(failures))


if __name__ == "__main__":
    main()
