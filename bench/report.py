"""Tables and targets, printed as the bench runs and written to bench/results.md."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool

    def line(self) -> str:
        return f"- {'MET' if self.met else 'MISSED'}: {self.name} — {self.measured}"


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"## {self.title}", ""]
        out.append("| " + " | ".join(self.header) + " |")
        out.append("|" + "|".join("---" for _ in self.header) + "|")
        out += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.targets:
            out += ["", *(target.line() for target in self.targets)]
        if self.notes:
            out += ["", *self.notes]
        return "\n".join(out) + "\n"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def rate(value: float) -> str:
    return f"{value:.0f}/s"


def ratio(value: float) -> str:
    return f"{value:.2f}"
