"""Arrow memory a Python model frees goes back to the system (lifecycle.arrow_memory): the
modules the dbt Python models import set it up, and in a process that imported them, a gigabyte
of freed Arrow buffers leaves the process. With pyarrow's default pool (mimalloc) it stays: the
second test shows the difference is the pool."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# A fresh process allocates 800 Arrow buffers of 0.75-1 MB (a model's columns and their
# intermediates), writes them, frees them, and prints its RSS (MiB) before, at the peak, after.
PROBE = textwrap.dedent("""\
    import sys
    import numpy as np
    import pyarrow as pa
    for module in sys.argv[1:]:
        __import__(module)
    def rss():
        return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
    start = rss()
    buffers = []
    for i in range(800):
        buffer = pa.allocate_buffer(1 << 20 if i % 2 else 3 << 18)
        np.frombuffer(buffer, dtype=np.uint8)[:] = 1
        buffers.append(buffer)
    peak = rss()
    del buffers, buffer
    print(pa.default_memory_pool().backend_name, start, peak, rss())
""")


def probe(*modules: str) -> tuple[str, int, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1]), int(out[2]), int(out[3])


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.parametrize("module", ["lifecycle.identity", "lifecycle.modelling.frames"])
def test_freed_arrow_memory_leaves_a_process_that_imported_the_models_modules(module):
    _, start, peak, after = probe(module)
    assert peak - start > 600  # the buffers were resident
    # at least three quarters of what the buffers held is returned
    assert after - start < (peak - start) / 4, (start, peak, after)


def test_pyarrows_default_pool_keeps_it():
    backend, start, peak, after = probe()
    assert backend == "mimalloc"
    assert after - start > (peak - start) / 2, (start, peak, after)
