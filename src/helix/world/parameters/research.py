"""Parameters of the research institutions: budgets, staff, spin-offs and contract research."""

from __future__ import annotations

from helix.world.parameters.base import P, Strict


class Research(Strict):
    overhead_per_wage: float = P(
        1.5,
        0,
        10,
        "ratio",
        "Non-salary spending per yuan of researcher wages (equipment, buildings, materials). "
        "Personnel is about 30-40% of China's R&D spending in higher education and research "
        "institutes (China Statistical Yearbook on Science and Technology), so about 1.5.",
    )
    staffing_speed: float = P(
        0.05,
        0,
        1,
        "1/month",
        "Share of the gap between the staff a budget pays for and the staff in post closed a "
        "month (assumption: an institution follows a budget change within about two years).",
    )
    max_hire_share: float = P(
        0.02,
        0,
        1,
        "share/month",
        "Most of its city's job seekers the institutions may take in a month (assumption).",
    )
    spinoffs_per_researcher: float = P(
        0.003,
        0,
        0.1,
        "1/year",
        "Spin-offs a year per researcher at reference conditions: about 1,000 university "
        "start-ups a year from about 300,000 US academic researchers (AUTM Licensing Survey "
        "FY2019; Shane 2004).",
    )
    spinoff_team: float = P(
        3.0, 1, 50, "people", "Researchers who leave their institution to found a spin-off."
    )
    spinoff_edge: float = P(
        0.5,
        0,
        1,
        "share",
        "Share of its institution's knowledge advantage (log) a spin-off starts with: star "
        "scientists carry their knowledge into the firm (Zucker, Darby & Brewer 1998; "
        "the share is an assumption).",
    )
    output_elasticity: float = P(
        1.0,
        0,
        3,
        "elasticity",
        "Spin-offs' response to their institution's output per researcher against its start "
        "(Shane 2004: spin-offs follow the stock of inventions; assumption for the value).",
    )
    contract_share: float = P(
        0.05,
        0,
        0.5,
        "share",
        "Most of its R&D a firm contracts to research institutions (half of it at the median "
        "access): Chinese enterprises pay a few percent of their R&D spending to universities "
        "and research institutes (order of magnitude from the China Statistical Yearbook on "
        "Science and Technology; the value is an assumption).",
    )
    contract_premium: float = P(
        1.0,
        0,
        5,
        "ratio",
        "Extra innovation a contracted yuan buys over an in-house one (public research is the "
        "source of ideas firms cannot make themselves: Cohen, Nelson & Walsh 2002; the value "
        "is an assumption).",
    )
    contract_decay_per_minute: float = P(
        0.02,
        0,
        1,
        "1/minute",
        "Decay of a firm's access to an institution with travel time (contract research is "
        "local: Jaffe 1989; Adams 1990 find academic spillovers bounded in space).",
    )
    output_per_researcher: float = P(
        1.0,
        0,
        100,
        "1/year",
        "Publications and patents a year of a researcher of relative productivity 1 "
        "(order of magnitude; assumption).",
    )
    graduate_retention: float = P(
        0.3,
        0,
        3,
        "per log of research",
        "Fall in the logit of the share of a city's top graduates who go abroad per log rise "
        "of its institutions' research over its start: more research at home, more reason to "
        "stay (China's returning scientists cite research conditions: Zweig & Wang 2013; the "
        "value is an assumption).",
    )
