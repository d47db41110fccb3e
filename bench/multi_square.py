"""The Python baseline of `npm run bench`: what the multiprocessing tutorial's final script does.

One OS process per number, each printing its square and its process name, and the parent waits
for all of them. Run: python3 bench/multi_square.py 1000 (squares 2 .. 1001).
"""
import sys
from multiprocessing import Process, current_process


def squarer(number):
    print('{0} squared to {1} by: {2}'.format(number, number ** 2, current_process().name))


if __name__ == '__main__':
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    processes = [Process(target=squarer, args=(number,)) for number in range(2, 2 + count)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
