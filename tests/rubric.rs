//! The Partnership Rubric end to end: custom rubric files, refused configurations, the
//! fixture partnerships' levels, and the rule that more of anything never lowers a level.

// Helpers here are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use support::partnership::{date, partnership};

use chrono::{Days, NaiveDate};
use partnerdocs::config::{Config, ConfigError};
use partnerdocs::intake::{DataShared, Money, Partnership, ProgramScope};
use partnerdocs::level::Level;
use partnerdocs::rubric::{assess, Criterion};
use proptest::prelude::*;

fn schools(count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("School {n}")).collect()
}

fn lasting(days: u64) -> NaiveDate {
    partnership().start_date + Days::new(days)
}

fn load(fixture: &str) -> Config {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rubric").join(fixture);
    let text = std::fs::read_to_string(&path).unwrap();
    Config::from_toml(&text, fixture).unwrap()
}

fn level_of(config: &Config, p: &Partnership, criterion: Criterion) -> Option<Level> {
    assess(p, config).criterion(criterion).map(|score| score.level)
}

mod custom_rubric {
    use super::*;

    #[test]
    fn changed_thresholds_move_the_boundaries() {
        let custom = load("changed_thresholds.toml");
        let default = Config::defaults().unwrap();
        let p = Partnership {
            contact_hours_per_week: 8.0,
            in_kind_value: Money(2_500_000),
            end_date: lasting(120),
            ..partnership()
        };
        assert_eq!(level_of(&custom, &p, Criterion::ContactTime), Some(Level::Medium));
        assert_eq!(level_of(&custom, &p, Criterion::Resources), Some(Level::Medium));
        assert_eq!(level_of(&custom, &p, Criterion::Duration), Some(Level::Medium));
        assert_eq!(
            (assess(&p, &custom).points, assess(&p, &custom).intensity),
            (10, Level::Low)
        );
        assert_eq!(
            (assess(&p, &default).points, assess(&p, &default).intensity),
            (11, Level::Medium)
        );
    }

    #[test]
    fn changed_thresholds_are_lower_bounds_exactly() {
        let custom = load("changed_thresholds.toml");
        let at = |hours, cents, days| Partnership {
            contact_hours_per_week: hours,
            in_kind_value: Money(cents),
            end_date: lasting(days),
            ..partnership()
        };
        let below = at(3.99, 999_999, 90);
        let medium = at(4.0, 1_000_000, 91);
        let high = at(10.0, 5_000_000, 271);
        for criterion in [Criterion::ContactTime, Criterion::Resources, Criterion::Duration]
        {
            assert_eq!(
                level_of(&custom, &below, criterion),
                Some(Level::Low),
                "{criterion:?}"
            );
            assert_eq!(
                level_of(&custom, &medium, criterion),
                Some(Level::Medium),
                "{criterion:?}"
            );
            assert_eq!(
                level_of(&custom, &high, criterion),
                Some(Level::High),
                "{criterion:?}"
            );
        }
        // 12 points is now the start of medium.
        let eleven =
            Partnership { program_scope: ProgramScope::Supplemental, ..medium.clone() };
        assert_eq!(
            (assess(&eleven, &custom).points, assess(&eleven, &custom).intensity),
            (11, Level::Low)
        );
        let twelve = Partnership { schools: schools(2), ..eleven };
        assert_eq!(
            (assess(&twelve, &custom).points, assess(&twelve, &custom).intensity),
            (12, Level::Medium)
        );
    }

    #[test]
    fn a_removed_criterion_is_not_scored_and_weights_count() {
        let custom = load("removed_criterion.toml");
        let p = Partnership {
            data_shared: DataShared::StudentLevel,
            contact_hours_per_week: 6.0,
            program_scope: ProgramScope::Supplemental,
            district_priorities: vec!["STEM".into(), "Literacy".into(), "Wellness".into()],
            ..partnership()
        };
        let scored = assess(&p, &custom);
        assert_eq!(scored.criteria.len(), 6);
        assert_eq!(scored.criterion(Criterion::Priorities), None);
        assert_eq!(scored.criterion(Criterion::Data).map(|s| s.points), Some(6));
        assert_eq!((scored.points, scored.intensity), (14, Level::High));

        let default = assess(&p, &Config::defaults().unwrap());
        assert_eq!((default.points, default.intensity), (14, Level::Medium));
    }

    #[test]
    fn highest_method_takes_the_highest_counted_criterion() {
        let custom = load("highest.toml");
        let long_event = Partnership { end_date: lasting(400), ..partnership() };
        assert_eq!(level_of(&custom, &long_event, Criterion::Duration), Some(Level::High));
        assert_eq!(assess(&long_event, &custom).intensity, Level::Low);

        let enrichment =
            Partnership { program_scope: ProgramScope::Enrichment, ..long_event };
        assert_eq!(assess(&enrichment, &custom).intensity, Level::Medium);
        assert_eq!(assess(&enrichment, &Config::defaults().unwrap()).intensity, Level::Low);

        let student_data =
            Partnership { data_shared: DataShared::StudentLevel, ..partnership() };
        let scored = assess(&student_data, &custom);
        assert_eq!(scored.intensity, Level::High);
        assert!(scored.floors_applied.is_empty());
    }
}

mod refused {
    use super::*;

    /// The key and message of a configuration that must be refused.
    fn refused(text: &str) -> (String, String) {
        match Config::from_toml(text, "district.toml") {
            Err(ConfigError::Invalid { path, key, message }) => {
                assert_eq!(path, "district.toml");
                (key, message)
            }
            Err(other) => panic!("refused for the wrong reason: {other}"),
            Ok(_) => panic!("accepted a bad configuration:\n{text}"),
        }
    }

    #[test]
    fn an_unknown_criterion() {
        let (key, message) = refused("[rubric.criteria.budget]\nweight = 1\n");
        assert_eq!(key, "rubric.criteria.budget");
        assert!(message.contains("expected one of `scope`"), "{message}");
    }

    #[test]
    fn thresholds_out_of_order() {
        let (key, message) = refused("[rubric.criteria.contact_time]\nhigh = 1\n");
        assert_eq!(key, "rubric.criteria.contact_time.high");
        assert!(message.contains("must be more than `medium`, which is 2"), "{message}");
    }

    #[test]
    fn thresholds_that_overlap() {
        let (key, _) = refused("[rubric.criteria.schools]\nhigh = 2\n");
        assert_eq!(key, "rubric.criteria.schools.high");
        let (key, _) = refused("[rubric.criteria.duration]\nhigh_above = 183\n");
        assert_eq!(key, "rubric.criteria.duration.high_above");
        let (key, _) = refused("[rubric.criteria.resources]\nmedium = 25000\n");
        assert_eq!(key, "rubric.criteria.resources.high");
    }

    #[test]
    fn a_negative_amount() {
        let (key, _) = refused("[rubric.criteria.resources]\nmedium = -5\n");
        assert_eq!(key, "rubric.criteria.resources.medium");
    }

    #[test]
    fn a_value_under_two_levels() {
        let (key, message) = refused(
            "[rubric.criteria.scope]\nmedium = [\"supplemental\", \"enrichment\"]\n",
        );
        assert_eq!(key, "rubric.criteria.scope.medium");
        assert!(message.contains("`enrichment` is already listed under low"), "{message}");
    }

    #[test]
    fn a_value_that_does_not_exist() {
        let (key, message) =
            refused("[rubric.criteria.data]\nhigh = [\"student-level\", \"biometric\"]\n");
        assert_eq!(key, "rubric.criteria.data.high");
        assert!(message.contains("`biometric` is not one of"), "{message}");
    }

    #[test]
    fn a_value_left_unlisted() {
        let (key, message) = refused("[rubric.criteria.scope]\nlow = [\"event\"]\n");
        assert_eq!(key, "rubric.criteria.scope");
        assert!(message.contains("`enrichment` is not listed"), "{message}");
    }

    #[test]
    fn an_unknown_field_in_a_criterion() {
        let (key, message) = refused("[rubric.criteria.duration]\nmedium = 200\n");
        assert_eq!(key, "rubric.criteria.duration.medium");
        assert!(message.contains("`medium_above`"), "{message}");
    }

    #[test]
    fn an_unknown_field_in_a_floor() {
        let text = "[[rubric.floors]]\ncriterion = \"data\"\nvalue = \"student-level\"\n\
                    at_least = \"medium\"\nseverity = \"high\"\n";
        let (key, message) = refused(text);
        assert_eq!(key, "rubric.floors[0].severity");
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn a_floor_on_an_unknown_criterion() {
        let text = "[[rubric.floors]]\ncriterion = \"budget\"\nlevel = \"high\"\n\
                    at_least = \"medium\"\n";
        let (key, message) = refused(text);
        assert_eq!(key, "rubric.floors[0].criterion");
        assert!(message.contains("budget"), "{message}");
    }

    #[test]
    fn a_floor_value_the_criterion_cannot_have() {
        let text = "[[rubric.floors]]\ncriterion = \"data\"\nvalue = \"everything\"\n\
                    at_least = \"medium\"\n";
        assert_eq!(refused(text).0, "rubric.floors[0].value");
        let text = "[[rubric.floors]]\ncriterion = \"schools\"\nvalue = \"6\"\n\
                    at_least = \"medium\"\n";
        assert_eq!(refused(text).0, "rubric.floors[0].value");
    }

    #[test]
    fn a_floor_with_no_condition_or_two() {
        let text = "[[rubric.floors]]\ncriterion = \"data\"\nat_least = \"medium\"\n";
        assert_eq!(refused(text).0, "rubric.floors[0]");
        let text = "[[rubric.floors]]\ncriterion = \"data\"\nvalue = \"none\"\n\
                    level = \"low\"\nat_least = \"medium\"\n";
        assert_eq!(refused(text).0, "rubric.floors[0]");
    }

    #[test]
    fn an_unknown_method() {
        let (key, message) = refused("[rubric]\nmethod = \"average\"\n");
        assert_eq!(key, "rubric.method");
        assert!(message.contains("average"), "{message}");
    }

    #[test]
    fn bands_and_points_out_of_order() {
        assert_eq!(refused("[rubric.bands]\nhigh = 11\n").0, "rubric.bands.high");
        assert_eq!(refused("[rubric.points]\nmedium = 1\n").0, "rubric.points.medium");
    }

    #[test]
    fn a_bad_routing() {
        assert_eq!(refused("[routing.low]\nmoa = \"maybe\"\n").0, "routing.low.moa");
        assert_eq!(
            refused("[routing]\nreview_after_months = 0\n").0,
            "routing.review_after_months"
        );
        let (key, _) = refused(
            "[routing.medium]\nboard_approval = true\nboard_notification = false\n",
        );
        assert_eq!(key, "routing.medium.board_notification");
        let (key, _) = refused("[routing]\ndata_agreement_for = [\"student level\"]\n");
        assert_eq!(key, "routing.data_agreement_for");
        assert_eq!(
            refused("[routing.high]\ndeveloped_by = \" \"\n").0,
            "routing.high.developed_by"
        );
    }

    #[test]
    fn the_message_names_the_file_and_the_key() {
        let err = Config::from_toml(
            "[rubric.criteria.contact_time]\nhigh = 1\n",
            "district.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("district.toml"), "{err}");
        assert!(err.contains("rubric.criteria.contact_time.high"), "{err}");
    }
}

/// The format fixtures FMT-001 to FMT-006, with the fields the rubric reads.
fn format_fixtures() -> [Partnership; 6] {
    let priorities = |k: usize| (0..k).map(|n| format!("Priority {n}")).collect();
    let base = Partnership { contact_hours_per_week: 0.0, ..partnership() };
    let one_day = |day| Partnership { start_date: day, end_date: day, ..base.clone() };
    [
        Partnership {
            contact_hours_per_week: 0.5,
            partner_funds: Money(150_000),
            in_kind_value: Money(75_050),
            ..one_day(date(2027, 1, 15))
        },
        Partnership {
            program_scope: ProgramScope::Enrichment,
            contact_hours_per_week: 2.0,
            schools: schools(3),
            district_funds: Money(250_000),
            partner_funds: Money(1_250_000),
            data_shared: DataShared::Aggregate,
            start_date: date(2026, 9, 8),
            end_date: date(2027, 5, 28),
            district_priorities: priorities(2),
            ..base.clone()
        },
        Partnership {
            program_scope: ProgramScope::Supplemental,
            contact_hours_per_week: 4.5,
            schools: schools(2),
            district_funds: Money(800_000),
            partner_funds: Money(400_000),
            in_kind_value: Money(120_000),
            data_shared: DataShared::DeIdentified,
            start_date: date(2026, 10, 5),
            end_date: date(2027, 6, 4),
            district_priorities: priorities(1),
            ..base.clone()
        },
        Partnership {
            program_scope: ProgramScope::Instructional,
            contact_hours_per_week: 6.0,
            schools: vec!["District-wide".into()],
            district_wide: true,
            district_funds: Money(4_000_000),
            partner_funds: Money(1_500_000),
            in_kind_value: Money(500_000),
            data_shared: DataShared::StudentLevel,
            start_date: date(2026, 8, 17),
            end_date: date(2028, 6, 9),
            district_priorities: priorities(3),
            ..base.clone()
        },
        Partnership {
            program_scope: ProgramScope::Enrichment,
            contact_hours_per_week: 1.0,
            schools: schools(2),
            district_funds: Money(300_000),
            partner_funds: Money(600_000),
            in_kind_value: Money(250_000),
            data_shared: DataShared::Aggregate,
            start_date: date(2026, 10, 1),
            end_date: date(2027, 5, 31),
            district_priorities: priorities(2),
            intensity_override: Some(Level::High),
            override_reason: Some(
                "Board recategorized at its November 2026 meeting".into(),
            ),
            ..base.clone()
        },
        one_day(date(2027, 4, 22)),
    ]
}

/// The points and levels the fixtures' EXPECTED.md gives FMT-001 to FMT-006.
#[test]
fn format_fixture_levels_match_the_expected_table() {
    use Level::{High, Low, Medium};
    let expected = [
        ([1, 1, 1, 1, 1, 1, 1], Low, Low),
        ([1, 2, 2, 2, 1, 2, 2], Medium, Medium),
        ([2, 2, 2, 2, 2, 2, 2], Medium, Medium),
        ([3, 3, 3, 3, 3, 3, 3], High, High),
        ([1, 1, 2, 2, 1, 2, 2], Medium, High),
        ([1, 1, 1, 1, 1, 1, 1], Low, Low),
    ];
    let config = Config::defaults().unwrap();
    for (index, (p, (points, computed, last))) in
        format_fixtures().iter().zip(expected).enumerate()
    {
        let id = format!("FMT-00{}", index + 1);
        let scored = assess(p, &config);
        let got: Vec<u32> = scored.criteria.iter().map(|c| c.points).collect();
        assert_eq!(got, points, "{id}");
        assert_eq!((scored.computed_intensity, scored.intensity), (computed, last), "{id}");
    }
}

/// One way to give a partnership more of something the rubric reads.
#[derive(Debug, Clone)]
enum Raise {
    Scope,
    Hours(u32),
    Schools(usize),
    DistrictWide,
    Money(usize, u64),
    Data,
    Days(u64),
    Priorities(usize),
}

fn raise() -> impl Strategy<Value = Raise> {
    prop_oneof![
        Just(Raise::Scope),
        (1..40u32).prop_map(Raise::Hours),
        (1..8usize).prop_map(Raise::Schools),
        Just(Raise::DistrictWide),
        (0..3usize, 1..3_000_000u64)
            .prop_map(|(column, cents)| Raise::Money(column, cents)),
        Just(Raise::Data),
        (1..600u64).prop_map(Raise::Days),
        (1..4usize).prop_map(Raise::Priorities),
    ]
}

/// The next kind in a list ordered least first, or the last one.
fn next<T: Copy + PartialEq, const N: usize>(all: [T; N], current: T) -> T {
    let at = all.iter().position(|&kind| kind == current).unwrap_or(0);
    all[(at + 1).min(N - 1)]
}

/// `p` with every raise applied; hours grow in quarters so boundaries are reached exactly.
fn raised(mut p: Partnership, raises: &[Raise]) -> Partnership {
    for raise in raises {
        match *raise {
            Raise::Scope => p.program_scope = next(ProgramScope::ALL, p.program_scope),
            Raise::Hours(quarters) => p.contact_hours_per_week += f64::from(quarters) / 4.0,
            Raise::Schools(more) if !p.district_wide => {
                p.schools = schools(p.schools.len() + more)
            }
            Raise::Schools(_) => {}
            Raise::DistrictWide => {
                p.district_wide = true;
                p.schools = vec!["District-wide".into()];
            }
            Raise::Money(0, cents) => p.district_funds = p.district_funds + Money(cents),
            Raise::Money(1, cents) => p.partner_funds = p.partner_funds + Money(cents),
            Raise::Money(_, cents) => p.in_kind_value = p.in_kind_value + Money(cents),
            Raise::Data => p.data_shared = next(DataShared::ALL, p.data_shared),
            Raise::Days(days) => p.end_date = p.end_date + Days::new(days),
            Raise::Priorities(more) => {
                let from = p.district_priorities.len();
                p.district_priorities.extend((from..from + more).map(|n| format!("P{n}")));
            }
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// More hours, schools, money, data, time or priorities never lower the level.
    #[test]
    fn raising_any_input_never_lowers_the_level(
        start in prop::collection::vec(raise(), 0..12),
        more in prop::collection::vec(raise(), 1..6),
    ) {
        let config = Config::defaults().unwrap();
        let zero = Partnership { contact_hours_per_week: 0.0, ..partnership() };
        let base = raised(zero, &start);
        let higher = raised(base.clone(), &more);

        let before = assess(&base, &config);
        let after = assess(&higher, &config);
        prop_assert!(after.intensity >= before.intensity, "{:?} lowered the level", more);
        prop_assert!(after.points >= before.points);
        for (b, a) in before.criteria.iter().zip(&after.criteria) {
            prop_assert!(a.level >= b.level, "{:?} fell", a.criterion);
        }
    }
}

/// A bad rubric is refused before any work, with exit code 2 and the key named.
#[test]
fn a_bad_rubric_stops_the_command_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("partnerdocs.toml");
    std::fs::write(&config, "[rubric.criteria.contact_time]\nhigh = 1\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
        .current_dir(dir.path())
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rubric.criteria.contact_time.high"), "{stderr}");
}
