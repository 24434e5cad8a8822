//! Rendering throughput: 1,000 flows of 20 tasks (target: under 1 s in total), and a
//! re-deploy of 1,000 unchanged flows through `write_if_changed`, which must write
//! nothing.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use flowdeck::model::sample::{etl_functions, large_flow};
use flowdeck::model::FlowSpec;
use flowdeck::render::{write_if_changed, RenderConfig, Rendered, Renderer, WriteOutcome};
use std::time::Instant;

const FLOWS: usize = 1_000;
const TASKS: usize = 20;

fn flows() -> Vec<FlowSpec> {
    (0..FLOWS)
        .map(|i| large_flow(&format!("bench flow {i}"), TASKS))
        .collect()
}

fn render_all(renderer: &Renderer, flows: &[FlowSpec]) -> Vec<Rendered> {
    let functions = etl_functions();
    flows
        .iter()
        .map(|f| renderer.render(f, &functions).expect("bench flows render"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let flows = flows();
    let functions = etl_functions();
    let renderer = Renderer::new(&RenderConfig::default()).expect("built-in templates");

    // One plain measurement for the record, besides criterion's statistics.
    let start = Instant::now();
    let rendered = render_all(&renderer, &flows);
    let bytes: usize = rendered.iter().map(|r| r.source.len()).sum();
    eprintln!(
        "one pass: rendered {FLOWS} flows x {TASKS} tasks ({:.1} MB) in {:?}",
        bytes as f64 / 1e6,
        start.elapsed()
    );

    if std::env::var_os("FLOWDECK_BENCH_BREAKDOWN").is_some() {
        let start = Instant::now();
        for f in &flows {
            black_box(flowdeck::model::validate(f, &functions).is_ok());
        }
        eprintln!("  of which validate: {:?}", start.elapsed());
        let start = Instant::now();
        for f in &flows {
            for t in &f.tasks {
                black_box(
                    flowdeck::model::options::parse_options(&t.options, Some(t.mode)).is_ok(),
                );
            }
        }
        eprintln!("  one parse_options per task: {:?}", start.elapsed());
    }

    let dir = tempfile::tempdir().expect("temp dags folder");
    for r in &rendered {
        write_if_changed(dir.path(), r).expect("first deploy");
    }

    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function("render 1000 flows of 20 tasks", |b| {
        b.iter(|| {
            for f in &flows {
                black_box(renderer.render(f, &functions).expect("render"));
            }
        })
    });
    group.bench_function("re-render + write_if_changed 1000 unchanged flows", |b| {
        b.iter(|| {
            let mut writes = 0;
            for f in &flows {
                let r = renderer.render(f, &functions).expect("render");
                if write_if_changed(dir.path(), &r).expect("write") == WriteOutcome::Written {
                    writes += 1;
                }
            }
            assert_eq!(writes, 0, "unchanged flows must not be written");
        })
    });
    group.bench_function("write_if_changed 1000 unchanged files", |b| {
        b.iter(|| {
            for r in &rendered {
                let outcome = write_if_changed(dir.path(), r).expect("write");
                assert_eq!(outcome, WriteOutcome::Unchanged);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
