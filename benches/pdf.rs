//! Rendering the shipped MOA, filled, to a PDF with the built-in engine: one document on
//! one thread, and a batch on every core.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use partnerdocs::config::Config;
use partnerdocs::docx::{sample_data, Template};
use partnerdocs::pdf::{DocumentInfo, PdfMaker};
use rayon::prelude::*;

fn filled_moa() -> Vec<u8> {
    let config = Config::defaults().expect("default configuration");
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
    let data = sample_data(&config, as_of);
    let template = Template::load(Path::new("templates/moa.docx"), &data)
        .expect("the shipped MOA loads");
    template.render(&data).expect("the shipped MOA fills")
}

fn info(n: usize) -> DocumentInfo {
    DocumentInfo {
        title: "Memorandum of Agreement: Riverside Museum".into(),
        subject: format!("RUSD-{n:05}"),
        author: "Riverside Unified School District".into(),
        as_of: NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
        ident: format!("bench-{n}"),
    }
}

fn pdf(c: &mut Criterion) {
    let docx = filled_moa();
    let config = Config::defaults().expect("default configuration");
    let maker = PdfMaker::new(&config.pdf).expect("native engine");
    maker.render(&docx, &info(0)).expect("warm-up render");

    let mut group = c.benchmark_group("pdf");
    group.sample_size(20).measurement_time(Duration::from_secs(20));
    group.bench_function("moa_one_thread", |b| {
        b.iter(|| maker.render(&docx, &info(1)).expect("render"))
    });
    let batch = 100;
    group.throughput(Throughput::Elements(batch as u64));
    group.sample_size(10);
    group.bench_function("moa_100_on_every_core", |b| {
        b.iter(|| {
            (0..batch).into_par_iter().for_each(|n| {
                maker.render(&docx, &info(n)).expect("render");
            })
        })
    });
    group.finish();
}

criterion_group!(benches, pdf);
criterion_main!(benches);
