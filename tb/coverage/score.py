"""Coverage scores and holes: hits measured against the plan (what the reports print)."""
from __future__ import annotations

from . import plan as P
from .collector import Hits


def score(hits: Hits, plan=P.PLAN) -> dict:
    """Per group and in total: goal bins, hit bins, percent, the holes and the exclusions."""
    groups = []
    total_goal = total_hit = 0
    for g in plan:
        goal = hit = 0
        holes, excluded, coverpoints = [], [], []
        for cp in g.coverpoints:
            counts = hits.get(g.name, {}).get(cp.name, {})
            cp_goal = cp.goal
            cp_hit = [b for b in cp_goal if counts.get(b, 0) > 0]
            holes.extend(f"{cp.name}:{b}" for b in cp_goal if counts.get(b, 0) == 0)
            excluded.extend({"bin": f"{cp.name}:{b}", "why_unreachable": why,
                             "hit": counts.get(b, 0)} for b, why in cp.excluded.items())
            coverpoints.append({"name": cp.name, "samples": cp.samples, "goal": len(cp_goal),
                                "hit": len(cp_hit), "percent": _pct(len(cp_hit), len(cp_goal))})
            goal += len(cp_goal)
            hit += len(cp_hit)
        groups.append({"name": g.name, "title": g.title, "goal": goal, "hit": hit,
                       "percent": _pct(hit, goal), "holes": holes, "excluded": excluded,
                       "coverpoints": coverpoints})
        total_goal += goal
        total_hit += hit
    return {"goal": total_goal, "hit": total_hit, "percent": _pct(total_hit, total_goal),
            "groups": groups, "not_sampled": list(P.NOT_SAMPLED),
            "plan_problems": P.check_plan(plan),
            # an excluded bin that was hit means its argument is wrong: the report shows it
            "excluded_but_hit": [e["bin"] for g in groups for e in g["excluded"] if e["hit"]]}


def _pct(hit: int, goal: int) -> float:
    return round(100.0 * hit / goal, 2) if goal else 100.0


def hit_set(hits: Hits) -> set[str]:
    """Every hit bin as ``group.coverpoint:bin`` (coverage growth counts these)."""
    return {f"{g}.{cp}:{b}" for g, cps in hits.items() for cp, bins in cps.items()
            for b, n in bins.items() if n}


def growth(per_seed: list[Hits], plan=P.PLAN) -> list[float]:
    """Cumulative coverage percent after 1, 2, ... runs, in the order given."""
    goal = {f"{g.name}.{cp.name}:{b}" for g in plan for cp in g.coverpoints for b in cp.goal}
    seen: set[str] = set()
    out = []
    for hits in per_seed:
        seen |= hit_set(hits) & goal
        out.append(_pct(len(seen), len(goal)))
    return out
