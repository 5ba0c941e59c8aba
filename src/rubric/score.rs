//! Combining the criteria into one intensity level: points or highest, then floors.

use serde::Serialize;

use crate::intake::Partnership;
use crate::level::Level;
use crate::rubric::config::{Bands, Floor, Method, RubricConfig};
use crate::rubric::criteria::{Criterion, Measurement};

/// One criterion of the rubric as it rated a partnership.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub criterion: Criterion,
    /// The partnership's value as staff read it, e.g. `8 hours a week`.
    pub value: String,
    pub level: Level,
    /// How many times the criterion's points count.
    pub weight: u32,
    /// The points for the level times the weight.
    pub points: u32,
    /// Why the value has that level, e.g. `8 hours a week is 6 or more`.
    pub explanation: String,
}

/// The level the criteria give before floors, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    pub points: u32,
    pub level: Level,
    pub explanation: String,
}

/// Keeps the enabled criteria and gives each its weighted points.
pub fn score_criteria(
    measurements: &[Measurement],
    rubric: &RubricConfig,
) -> Vec<CriterionScore> {
    let score = |m: &Measurement| {
        let (enabled, weight) = rubric.criteria.counting(m.criterion);
        enabled.then(|| CriterionScore {
            criterion: m.criterion,
            value: m.value.clone(),
            level: m.level,
            weight,
            points: rubric.points.of(m.level).saturating_mul(weight),
            explanation: m.explanation.clone(),
        })
    };
    measurements.iter().filter_map(score).collect()
}

/// Combines the scored criteria by the rubric's method.
pub fn combine(scores: &[CriterionScore], rubric: &RubricConfig) -> Combined {
    let points = scores.iter().fold(0u32, |total, s| total.saturating_add(s.points));
    match rubric.method {
        Method::Points => {
            let level = band(points, &rubric.bands);
            let explanation =
                format!("{points} points is {}", describe_band(level, &rubric.bands));
            Combined { points, level, explanation }
        }
        Method::Highest => {
            let counted = scores.iter().filter(|s| s.weight > 0);
            let level = counted.map(|s| s.level).max().unwrap_or(Level::Low);
            let explanation = format!("the highest level of any criterion is {level}");
            Combined { points, level, explanation }
        }
    }
}

/// The level a point total falls in.
pub fn band(points: u32, bands: &Bands) -> Level {
    if points >= bands.high {
        Level::High
    } else if points >= bands.medium {
        Level::Medium
    } else {
        Level::Low
    }
}

/// The points range of `level` in words, e.g. `11 to 15, so medium`.
fn describe_band(level: Level, bands: &Bands) -> String {
    let range = match level {
        Level::Low => format!("under {}", bands.medium),
        Level::Medium if bands.high.saturating_sub(1) <= bands.medium => {
            bands.medium.to_string()
        }
        Level::Medium => format!("{} to {}", bands.medium, bands.high - 1),
        Level::High => format!("{} or more", bands.high),
    };
    format!("{range}, so {level}")
}

/// Raises `level` by every floor that matches; returns the new level and each raise.
pub fn apply_floors(
    level: Level,
    partnership: &Partnership,
    measurements: &[Measurement],
    floors: &[Floor],
) -> (Level, Vec<String>) {
    let mut level = level;
    let mut applied = Vec::new();
    for floor in floors {
        if floor.at_least > level && floor_matches(floor, partnership, measurements) {
            level = floor.at_least;
            applied.push(describe_floor(floor));
        }
    }
    (level, applied)
}

fn floor_matches(
    floor: &Floor,
    partnership: &Partnership,
    measurements: &[Measurement],
) -> bool {
    if let Some(value) = &floor.value {
        return choice_value(floor.criterion, partnership) == Some(value.as_str());
    }
    let measured = measurements.iter().find(|m| m.criterion == floor.criterion);
    match (floor.level, measured) {
        (Some(at_least), Some(m)) => m.level >= at_least,
        _ => false,
    }
}

/// The kind a partnership has on a criterion rated by kind.
fn choice_value(criterion: Criterion, partnership: &Partnership) -> Option<&'static str> {
    match criterion {
        Criterion::Scope => Some(partnership.program_scope.as_str()),
        Criterion::Data => Some(partnership.data_shared.as_str()),
        _ => None,
    }
}

/// A floor in words, e.g. `data is student-level, so at least medium (student privacy)`.
fn describe_floor(floor: &Floor) -> String {
    let condition = match (&floor.value, floor.level) {
        (Some(value), _) => format!("{} is {value}", floor.criterion.as_str()),
        (None, Some(level)) => format!("{} is {level} or above", floor.criterion.as_str()),
        (None, None) => floor.criterion.as_str().to_string(),
    };
    let reason = floor.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!("{condition}, so at least {}{reason}", floor.at_least)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::intake::{DataShared, Money, ProgramScope};
    use crate::rubric::assess;
    use crate::rubric::testing::partnership;

    /// A partnership rated low on every criterion but those `change` raises.
    fn with(change: impl FnOnce(&mut Partnership)) -> Partnership {
        let mut p = partnership();
        change(&mut p);
        p
    }

    fn config(text: &str) -> Config {
        Config::from_toml(text, "test.toml").unwrap()
    }

    /// Medium on six criteria and `hours` for contact time: 12 points plus 1, 2 or 3.
    fn six_medium(hours: f64) -> Partnership {
        with(|p| {
            p.program_scope = ProgramScope::Supplemental;
            p.contact_hours_per_week = hours;
            p.schools = vec!["A".into(), "B".into()];
            p.in_kind_value = Money(500_000);
            p.data_shared = DataShared::DeIdentified;
            p.end_date = p.start_date + chrono::Days::new(200);
            p.district_priorities = vec!["Literacy".into()];
        })
    }

    #[test]
    fn points_bands_are_10_or_less_low_11_to_15_medium_16_up_high() {
        let config = config("");
        let all_low = assess(&partnership(), &config);
        assert_eq!((all_low.points, all_low.intensity), (7, Level::Low));

        // Raising three criteria one step each gives 10, then 11.
        let ten = with(|p| {
            p.program_scope = ProgramScope::Supplemental;
            p.contact_hours_per_week = 2.0;
            p.district_priorities = vec!["Literacy".into()];
        });
        assert_eq!(
            (assess(&ten, &config).points, assess(&ten, &config).intensity),
            (10, Level::Low)
        );
        let eleven = with(|p| {
            p.district_priorities = vec!["Literacy".into()];
            p.program_scope = ProgramScope::Supplemental;
            p.contact_hours_per_week = 2.0;
            p.schools = vec!["A".into(), "B".into()];
        });
        let scored = assess(&eleven, &config);
        assert_eq!((scored.points, scored.intensity), (11, Level::Medium));

        let fifteen = assess(&six_medium(6.0), &config);
        assert_eq!((fifteen.points, fifteen.intensity), (15, Level::Medium));
        let sixteen = with(|p| {
            *p = six_medium(6.0);
            p.district_priorities = vec!["A".into(), "B".into(), "C".into()];
        });
        let scored = assess(&sixteen, &config);
        assert_eq!((scored.points, scored.intensity), (16, Level::High));
        assert_eq!(scored.scoring_explanation, "16 points is 16 or more, so high");
    }

    #[test]
    fn highest_method_takes_the_highest_criterion() {
        let config = config("[rubric]\nmethod = \"highest\"\n");
        assert_eq!(assess(&partnership(), &config).intensity, Level::Low);
        let one_medium = with(|p| p.contact_hours_per_week = 3.0);
        assert_eq!(assess(&one_medium, &config).intensity, Level::Medium);
        let one_high = with(|p| p.program_scope = ProgramScope::Instructional);
        let scored = assess(&one_high, &config);
        assert_eq!(scored.intensity, Level::High);
        assert_eq!(
            scored.scoring_explanation,
            "the highest level of any criterion is high"
        );
    }

    #[test]
    fn highest_method_ignores_criteria_of_weight_zero() {
        let config =
            config("[rubric]\nmethod = \"highest\"\n[rubric.criteria.scope]\nweight = 0\n");
        let p = with(|p| p.program_scope = ProgramScope::Instructional);
        assert_eq!(assess(&p, &config).intensity, Level::Low);
    }

    #[test]
    fn weights_multiply_points() {
        let config = config("[rubric.criteria.contact_time]\nweight = 3\n");
        let scored = assess(&with(|p| p.contact_hours_per_week = 6.0), &config);
        let contact = &scored.criteria[1];
        assert_eq!((contact.weight, contact.points), (3, 9));
        assert_eq!(scored.points, 15);
    }

    #[test]
    fn disabled_criteria_are_left_out() {
        let config = config("[rubric.criteria.priorities]\nenabled = false\n");
        let scored = assess(&partnership(), &config);
        assert_eq!(scored.criteria.len(), 6);
        assert!(scored.criteria.iter().all(|c| c.criterion != Criterion::Priorities));
        assert_eq!(scored.points, 6);
    }

    #[test]
    fn student_level_data_is_at_least_medium() {
        let config = config("");
        let p = with(|p| p.data_shared = DataShared::StudentLevel);
        let scored = assess(&p, &config);
        assert_eq!(scored.points, 9);
        assert_eq!(scored.scored_intensity, Level::Low);
        assert_eq!(scored.computed_intensity, Level::Medium);
        assert_eq!(
            scored.floors_applied,
            ["data is student-level, so at least medium (student privacy)"]
        );
    }

    #[test]
    fn a_floor_never_lowers_and_is_not_listed_when_it_changes_nothing() {
        let config = config("");
        let p = with(|p| {
            *p = six_medium(6.0);
            p.data_shared = DataShared::StudentLevel;
            p.district_priorities = vec!["A".into(), "B".into(), "C".into()];
        });
        let scored = assess(&p, &config);
        assert_eq!(scored.computed_intensity, Level::High);
        assert!(scored.floors_applied.is_empty());
    }

    #[test]
    fn a_floor_can_look_at_a_criterion_level() {
        let text = "[[rubric.floors]]\ncriterion = \"contact_time\"\nlevel = \"high\"\n\
                    at_least = \"high\"\n";
        let scored = assess(&with(|p| p.contact_hours_per_week = 10.0), &config(text));
        assert_eq!(scored.computed_intensity, Level::High);
        assert_eq!(
            scored.floors_applied,
            ["contact_time is high or above, so at least high"]
        );
    }

    #[test]
    fn an_override_replaces_the_level_and_keeps_the_computed_one() {
        let p = with(|p| {
            *p = six_medium(2.0);
            p.intensity_override = Some(Level::High);
            p.override_reason = Some("Board recategorized on 2024-05-14".into());
        });
        let scored = assess(&p, &config(""));
        assert_eq!(scored.computed_intensity, Level::Medium);
        assert_eq!(scored.intensity, Level::High);
        assert!(scored.overridden);
        assert_eq!(
            scored.override_reason.as_deref(),
            Some("Board recategorized on 2024-05-14")
        );
        assert!(scored.routing.board_approval);
    }

    #[test]
    fn an_override_can_lower_a_level_too() {
        let p = with(|p| {
            p.data_shared = DataShared::StudentLevel;
            p.intensity_override = Some(Level::Low);
        });
        let scored = assess(&p, &config(""));
        assert_eq!(
            (scored.computed_intensity, scored.intensity),
            (Level::Medium, Level::Low)
        );
    }

    #[test]
    fn band_descriptions_read_as_ranges() {
        let bands = Bands { medium: 11, high: 16 };
        assert_eq!(describe_band(Level::Low, &bands), "under 11, so low");
        assert_eq!(describe_band(Level::Medium, &bands), "11 to 15, so medium");
        let narrow = Bands { medium: 11, high: 12 };
        assert_eq!(describe_band(Level::Medium, &narrow), "11, so medium");
    }
}
