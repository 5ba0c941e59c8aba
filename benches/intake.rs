//! Reading and checking a generated 100,000-row workbook.
#![allow(clippy::expect_used)]

#[path = "support/workbook.rs"]
mod workbook;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn intake(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    workbook::write_workbook(&dir.path().join("partnerships.xlsx"), 100_000)
        .expect("generated workbook");
    let config = partnerdocs::config::Config::defaults().expect("default configuration");

    let mut group = c.benchmark_group("intake");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    group.bench_function("read_and_check_100000_rows", |b| {
        b.iter(|| {
            let intake =
                partnerdocs::intake::read_inputs(dir.path(), &config).expect("intake runs");
            assert_eq!(intake.partnerships.len(), 100_000);
        })
    });
    group.finish();
}

criterion_group!(benches, intake);
criterion_main!(benches);
