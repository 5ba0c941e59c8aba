//! Measuring one partnership against each of the seven criteria of the rubric.

use std::collections::BTreeSet;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

use crate::intake::{DataShared, Money, Partnership, ProgramScope};
use crate::level::Level;
use crate::rubric::config::{dollars_to_money, Above, AtLeast, ChoiceCriterion, Criteria};

/// A criterion of the Partnership Rubric.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Scope,
    ContactTime,
    Schools,
    Resources,
    Data,
    Duration,
    Priorities,
}

impl Criterion {
    /// Every criterion, in the order of the district's guidelines.
    pub const ALL: [Criterion; 7] = [
        Criterion::Scope,
        Criterion::ContactTime,
        Criterion::Schools,
        Criterion::Resources,
        Criterion::Data,
        Criterion::Duration,
        Criterion::Priorities,
    ];

    /// The name used in configuration and data files, e.g. `contact_time`.
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::Scope => "scope",
            Criterion::ContactTime => "contact_time",
            Criterion::Schools => "schools",
            Criterion::Resources => "resources",
            Criterion::Data => "data",
            Criterion::Duration => "duration",
            Criterion::Priorities => "priorities",
        }
    }

    /// The name staff read in reports and documents.
    pub fn label(self) -> &'static str {
        match self {
            Criterion::Scope => "Program scope",
            Criterion::ContactTime => "Contact time",
            Criterion::Schools => "Schools",
            Criterion::Resources => "Resources",
            Criterion::Data => "Student data",
            Criterion::Duration => "Duration",
            Criterion::Priorities => "District priorities",
        }
    }

    /// The kinds a criterion rated by kind can take; `None` for a counted criterion.
    pub fn kinds(self) -> Option<Vec<&'static str>> {
        match self {
            Criterion::Scope => {
                Some(ProgramScope::ALL.iter().map(|s| s.as_str()).collect())
            }
            Criterion::Data => Some(DataShared::ALL.iter().map(|d| d.as_str()).collect()),
            _ => None,
        }
    }
}

/// How a partnership measures on one criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub criterion: Criterion,
    /// The partnership's value as staff read it, e.g. `8 hours a week`.
    pub value: String,
    pub level: Level,
    /// Why the value has that level, e.g. `8 hours a week is 6 or more`.
    pub explanation: String,
}

/// Measures `partnership` on every criterion, enabled or not, in [`Criterion::ALL`] order.
pub fn measure_all(
    partnership: &Partnership,
    criteria: &Criteria,
    school_count: u32,
) -> Vec<Measurement> {
    Criterion::ALL
        .iter()
        .map(|&c| measure(c, partnership, criteria, school_count))
        .collect()
}

/// Measures `partnership` on one criterion.
pub fn measure(
    criterion: Criterion,
    partnership: &Partnership,
    criteria: &Criteria,
    school_count: u32,
) -> Measurement {
    let p = partnership;
    let (value, level, explanation) = match criterion {
        Criterion::Scope => by_choice(p.program_scope.as_str(), &criteria.scope),
        Criterion::ContactTime => measure_contact_time(p.contact_hours_per_week, criteria),
        Criterion::Schools => measure_schools(p, &criteria.schools, school_count),
        Criterion::Resources => measure_resources(p.total_resources(), criteria),
        Criterion::Data => by_choice(p.data_shared.as_str(), &criteria.data),
        Criterion::Duration => measure_duration(p.duration_days(), &criteria.duration),
        Criterion::Priorities => measure_priorities(&p.district_priorities, criteria),
    };
    Measurement { criterion, value, level, explanation }
}

type Measured = (String, Level, String);

fn by_choice(value: &str, choice: &ChoiceCriterion) -> Measured {
    match choice.level_of(value) {
        Some(level) => (value.into(), level, format!("{value} is listed under {level}")),
        // Validation lists every value; should one slip through, rate it with care.
        None => (value.into(), Level::High, format!("{value} is not listed, so high")),
    }
}

fn measure_contact_time(hours: f64, criteria: &Criteria) -> Measured {
    let bounds = &criteria.contact_time;
    let unit = if hours == 1.0 { "hour" } else { "hours" };
    let value = format!("{} {unit} a week", number(hours));
    let level = at_least(hours, bounds.medium, bounds.high);
    let explanation =
        explain_at_least(&value, level, number(bounds.medium), number(bounds.high));
    (value, level, explanation)
}

fn measure_schools(p: &Partnership, bounds: &AtLeast<u32>, school_count: u32) -> Measured {
    let (count, value) = if p.district_wide {
        (school_count, format!("District-wide ({school_count} schools)"))
    } else {
        let count = count_distinct(&p.schools);
        (count, plural(count, "school", "schools"))
    };
    let level = at_least(count, bounds.medium, bounds.high);
    let explanation = explain_at_least(&value, level, bounds.medium, bounds.high);
    (value, level, explanation)
}

fn measure_resources(total: Money, criteria: &Criteria) -> Measured {
    let bounds = &criteria.resources;
    let (medium, high) = (dollars_to_money(bounds.medium), dollars_to_money(bounds.high));
    let value = total.to_string();
    let level = at_least(total, medium, high);
    let explanation = explain_at_least(&value, level, medium, high);
    (value, level, explanation)
}

fn measure_duration(days: i64, bounds: &Above) -> Measured {
    let value = plural_days(days);
    let level = if days > i64::from(bounds.high_above) {
        Level::High
    } else if days > i64::from(bounds.medium_above) {
        Level::Medium
    } else {
        Level::Low
    };
    let (medium, high) = (bounds.medium_above, bounds.high_above);
    let explanation = match level {
        Level::Low => format!("{value} is {medium} or fewer"),
        Level::Medium => format!("{value} is more than {medium}, up to {high}"),
        Level::High => format!("{value} is more than {high}"),
    };
    (value, level, explanation)
}

fn measure_priorities(priorities: &[String], criteria: &Criteria) -> Measured {
    let bounds = &criteria.priorities;
    let count = count_distinct(priorities);
    let value = plural(count, "priority", "priorities");
    let level = at_least(count, bounds.medium, bounds.high);
    let explanation = explain_at_least(&value, level, bounds.medium, bounds.high);
    (value, level, explanation)
}

/// The level of `value` when each level starts at its bound.
fn at_least<T: PartialOrd>(value: T, medium: T, high: T) -> Level {
    if value >= high {
        Level::High
    } else if value >= medium {
        Level::Medium
    } else {
        Level::Low
    }
}

fn explain_at_least(
    value: &str,
    level: Level,
    medium: impl Display,
    high: impl Display,
) -> String {
    match level {
        Level::Low => format!("{value} is under {medium}"),
        Level::Medium => format!("{value} is {medium} or more, under {high}"),
        Level::High => format!("{value} is {high} or more"),
    }
}

/// Counts the different non-blank names, ignoring case and surrounding spaces.
fn count_distinct(names: &[String]) -> u32 {
    let distinct: BTreeSet<String> = names
        .iter()
        .map(|name| name.trim().to_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    u32::try_from(distinct.len()).unwrap_or(u32::MAX)
}

fn plural(count: u32, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

fn plural_days(days: i64) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

/// Formats hours without a needless fraction: `8`, `1.5`.
fn number(value: f64) -> String {
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::rubric::testing::partnership;

    fn level_of(criterion: Criterion, p: &Partnership) -> Level {
        let config = Config::defaults().unwrap();
        measure(criterion, p, &config.rubric.criteria, config.district.school_count).level
    }

    #[test]
    fn scope_lists_each_kind_under_its_default_level() {
        let expected = [
            (ProgramScope::Event, Level::Low),
            (ProgramScope::Enrichment, Level::Low),
            (ProgramScope::Supplemental, Level::Medium),
            (ProgramScope::Instructional, Level::High),
        ];
        for (scope, level) in expected {
            let p = Partnership { program_scope: scope, ..partnership() };
            assert_eq!(level_of(Criterion::Scope, &p), level, "{scope}");
        }
    }

    #[test]
    fn contact_time_boundaries_are_2_and_6_hours() {
        let expected = [
            (0.0, Level::Low),
            (1.99, Level::Low),
            (2.0, Level::Medium),
            (5.99, Level::Medium),
            (6.0, Level::High),
            (40.0, Level::High),
        ];
        for (hours, level) in expected {
            let p = Partnership { contact_hours_per_week: hours, ..partnership() };
            assert_eq!(level_of(Criterion::ContactTime, &p), level, "{hours} hours");
        }
    }

    #[test]
    fn schools_boundaries_are_2_and_6_and_district_wide_is_high() {
        for (count, level) in
            [(1, Level::Low), (2, Level::Medium), (5, Level::Medium), (6, Level::High)]
        {
            let schools = (1..=count).map(|n| format!("School {n}")).collect();
            let p = Partnership { schools, ..partnership() };
            assert_eq!(level_of(Criterion::Schools, &p), level, "{count} schools");
        }
        let p = Partnership {
            schools: vec!["District-wide".into()],
            district_wide: true,
            ..partnership()
        };
        assert_eq!(level_of(Criterion::Schools, &p), Level::High);
    }

    #[test]
    fn schools_listed_twice_count_once() {
        let schools = vec!["Lincoln Elementary".into(), " lincoln elementary ".into()];
        let p = Partnership { schools, ..partnership() };
        assert_eq!(level_of(Criterion::Schools, &p), Level::Low);
    }

    #[test]
    fn resources_boundaries_are_exact_to_the_cent() {
        let expected = [
            (499_999, Level::Low),
            (500_000, Level::Medium),
            (2_499_999, Level::Medium),
            (2_500_000, Level::High),
        ];
        for (cents, level) in expected {
            let p = Partnership { in_kind_value: Money(cents), ..partnership() };
            assert_eq!(level_of(Criterion::Resources, &p), level, "{cents} cents");
        }
    }

    #[test]
    fn resources_add_district_partner_and_in_kind() {
        let p = Partnership {
            district_funds: Money(200_000),
            partner_funds: Money(200_000),
            in_kind_value: Money(100_000),
            ..partnership()
        };
        assert_eq!(level_of(Criterion::Resources, &p), Level::Medium);
    }

    #[test]
    fn data_lists_each_kind_under_its_default_level() {
        let expected = [
            (DataShared::None, Level::Low),
            (DataShared::Aggregate, Level::Low),
            (DataShared::DeIdentified, Level::Medium),
            (DataShared::StudentLevel, Level::High),
        ];
        for (data, level) in expected {
            let p = Partnership { data_shared: data, ..partnership() };
            assert_eq!(level_of(Criterion::Data, &p), level, "{data}");
        }
    }

    #[test]
    fn duration_boundaries_are_183_and_366_days() {
        let start = partnership().start_date;
        for (days, level) in [
            (183, Level::Low),
            (184, Level::Medium),
            (366, Level::Medium),
            (367, Level::High),
        ] {
            let end_date = start + chrono::Days::new(days);
            let p = Partnership { end_date, ..partnership() };
            assert_eq!(level_of(Criterion::Duration, &p), level, "{days} days");
        }
    }

    #[test]
    fn priorities_boundaries_are_1_and_3() {
        for (count, level) in
            [(0, Level::Low), (1, Level::Medium), (2, Level::Medium), (3, Level::High)]
        {
            let district_priorities =
                (1..=count).map(|n| format!("Priority {n}")).collect();
            let p = Partnership { district_priorities, ..partnership() };
            assert_eq!(level_of(Criterion::Priorities, &p), level, "{count} priorities");
        }
    }

    #[test]
    fn explanations_name_the_value_and_the_bound() {
        let config = Config::defaults().unwrap();
        let p = Partnership { contact_hours_per_week: 8.0, ..partnership() };
        let m = measure(Criterion::ContactTime, &p, &config.rubric.criteria, 42);
        assert_eq!(m.value, "8 hours a week");
        assert_eq!(m.explanation, "8 hours a week is 6 or more");

        let p = Partnership { in_kind_value: Money(1_250_000), ..partnership() };
        let m = measure(Criterion::Resources, &p, &config.rubric.criteria, 42);
        assert_eq!(m.explanation, "$12,500.00 is $5,000.00 or more, under $25,000.00");

        let m = measure(Criterion::Duration, &partnership(), &config.rubric.criteria, 42);
        assert!(m.explanation.ends_with("is 183 or fewer"), "{}", m.explanation);
    }
}
