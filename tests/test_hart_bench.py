"""The benchmark runs and reports (a smoke test: the figures themselves are not asserted)."""
from vmm_model.hart import bench


def test_bench_reports_three_rates(capsys):
    assert bench.main(["--iterations", "200", "--step-iterations", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "paging off" in lines[0] and "x target" in lines[0]
    assert "paging on" in lines[1] and "x target" in lines[1]
    assert lines[2].startswith("step()")
