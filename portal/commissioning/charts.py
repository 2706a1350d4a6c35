"""Charts drawn on the server as inline SVG, readable without colour: each line has its own dash pattern and
marker shape and is labelled directly at its end; the page gives the same figures as a table."""
from datetime import date

from markupsafe import Markup, escape

from portal.clock import format_date

#: (stroke colour, dash pattern, marker shape); the colour is never the only difference
STYLES = [
    ("#1d70b8", "", "circle"),
    ("#d4351c", "8 4", "square"),
    ("#00703c", "2 4", "triangle"),
    ("#4c2c92", "12 4 2 4", "diamond"),
    ("#505a5f", "16 6", "circle-open"),
    ("#b58840", "4 2", "square-open"),
]

WIDTH, HEIGHT = 680, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 200, 20, 48


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    fill = "white" if shape.endswith("-open") else colour
    base = shape.removesuffix("-open")
    if base == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
    if base == "square":
        return (f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{fill}" stroke="{colour}" '
                'stroke-width="2"/>')
    if base == "triangle":
        return (f'<polygon points="{x:.1f},{y - 5.5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" '
                f'fill="{fill}" stroke="{colour}" stroke-width="2"/>')
    return (f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}" '
            f'fill="{fill}" stroke="{colour}" stroke-width="2"/>')


def _nice_scale(value: int) -> tuple[int, int]:
    """(top of the axis, step between gridlines) with at most five steps."""
    step = 1
    while True:
        for multiple in (1, 2, 5):
            candidate = step * multiple
            if value <= candidate * 5:
                return max(candidate * -(-value // candidate), candidate), candidate
        step *= 10


def admitted_chart(series: dict[str, list[tuple[date, int]]], *, chart_id: str, title: str) -> Markup:
    """A step chart of providers admitted to date, one line per zone, directly labelled."""
    points = [p for line in series.values() for p in line]
    if not points:
        return Markup("")
    first_day = min(d for d, _ in points)
    last_day = max(d for d, _ in points)
    span = max((last_day - first_day).days, 1)
    top, step = _nice_scale(max(n for _, n in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: date) -> float:
        return LEFT + (day - first_day).days / span * plot_w

    def y_of(n: int) -> float:
        return TOP + plot_h - n / top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="max-width:{WIDTH}px" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'class="portal-chart" font-family="GDS Transport, arial, sans-serif" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(series))}</desc>',
    ]
    for n in range(0, top + 1, step):
        y = y_of(n)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#b1b4b6" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" fill="#0b0c0c">{n}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
                 'stroke="#0b0c0c" stroke-width="1"/>')
    for year in range(first_day.year + 1, last_day.year + 1):
        x = x_of(date(year, 1, 1))
        if x_of(first_day) + 130 < x < x_of(last_day) - 130:  # clear of the first and last dates
            parts.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 6}" '
                         'stroke="#0b0c0c" stroke-width="1"/>')
            parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 22}" text-anchor="middle" fill="#0b0c0c">{year}</text>')
    for day, anchor in ((first_day, "start"), (last_day, "end")):
        parts.append(f'<text x="{x_of(day):.1f}" y="{TOP + plot_h + 22}" text-anchor="{anchor}" '
                     f'fill="#0b0c0c">{escape(format_date(day))}</text>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 6}" fill="#505a5f" font-size="12">Providers admitted to date '
                 '(each provider counted once per zone)</text>')
    labels = []
    for index, (zone, line) in enumerate(sorted(series.items())):
        colour, dash, shape = STYLES[index % len(STYLES)]
        path, previous = [], None
        for day, n in line:
            x, y = x_of(day), y_of(n)
            if previous is None:
                path.append(f"M{x:.1f},{y:.1f}")
            else:
                path.append(f"H{x:.1f}V{y:.1f}")
            previous = (x, y)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        for day, n in line:
            parts.append(_marker(shape, x_of(day), y_of(n), colour))
        labels.append([y_of(line[-1][1]), f"{zone}: {line[-1][1]}", colour, shape])
    # direct labels at the lines' ends, nudged apart so none overlaps
    labels.sort(key=lambda label: label[0])
    for i in range(1, len(labels)):
        labels[i][0] = max(labels[i][0], labels[i - 1][0] + 18)
    for y, text, colour, shape in labels:
        parts.append(_marker(shape, LEFT + plot_w + 14, y, colour))
        parts.append(f'<text x="{LEFT + plot_w + 26}" y="{y + 5:.1f}" fill="#0b0c0c">{escape(text)}</text>')
    parts.append("</svg>")
    # every piece of text in parts went through escape(); the rest is markup built here from numbers
    return Markup("".join(parts))  # nosec B704


def _describe(series: dict[str, list[tuple[date, int]]]) -> str:
    return "; ".join(f"{zone}: {line[-1][1]} providers admitted by {format_date(line[-1][0])}"
                     for zone, line in sorted(series.items()) if line)
