//! Store speed: saving and loading a 1,000-task flow, listing 10,000 flows.
//! Targets (README): save < 20 ms, list < 50 ms on the 2-core reference machine.

use criterion::{criterion_group, criterion_main, Criterion};
use flowdeck::model::sample::{etl_functions, large_flow};
use flowdeck::model::FlowSpec;
use flowdeck::store::Store;

fn fresh_store(dir: &tempfile::TempDir, name: &str) -> Store {
    let store = Store::open(&dir.path().join(name)).expect("open");
    for f in etl_functions() {
        store.save_function(&f, None).expect("function");
    }
    store
}

/// Two versions of a 1,000-task flow differing in one option, so each save is a change.
fn alternating(spec: &FlowSpec) -> [FlowSpec; 2] {
    let mut b = spec.clone();
    b.tasks[500].options = "retries = 7\n".into();
    [spec.clone(), b]
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh_store(&dir, "big.redb");
    let versions = alternating(&large_flow("big", 1000));
    store
        .save_flow(&versions[0], flowdeck::store::Base::Any)
        .expect("first save");
    let mut i = 0;
    c.bench_function("save 1000-task flow (changed)", |b| {
        b.iter(|| {
            i += 1;
            store
                .save_flow(&versions[i % 2], flowdeck::store::Base::Any)
                .expect("save")
        })
    });
    // The parts of a save, to see where its time goes.
    let functions = etl_functions();
    c.bench_function("part: validate 1000-task flow", |b| {
        b.iter(|| flowdeck::model::validate(&versions[0], &functions).expect("valid"))
    });
    c.bench_function("part: compare two 1000-task flows", |b| {
        b.iter(|| versions[0].content_differs(&versions[1]))
    });
    c.bench_function("part: document of 1000-task flow", |b| {
        b.iter(|| flowdeck::model::document::to_document(&versions[0], &functions))
    });
    let deploy = flowdeck::model::deploy::DeployRecord {
        flow_id: "dag_x".into(),
        state: flowdeck::model::deploy::DeployState::Saved,
        version: 1,
        rendered_hash: None,
        rendered_at: None,
        since: chrono::Utc::now(),
        message: String::new(),
        error_task: None,
        deployed_version: None,
        by: None,
        environment: String::new(),
        commit: None,
    };
    // The floor of any save: one small durable commit.
    c.bench_function("part: smallest durable commit", |b| {
        b.iter(|| store.set_deploy(&deploy).expect("commit"))
    });
    let id = versions[0].flow.id.clone();
    c.bench_function("load 1000-task flow", |b| {
        b.iter(|| store.flow(&id).expect("load"))
    });

    let many = fresh_store(&dir, "many.redb");
    let mut template = large_flow("x", 2);
    for n in 0..10_000 {
        template.flow.name = format!("flow {n:05}");
        template.flow.id = flowdeck::model::ids::flow_id_for(&template.flow.name);
        for t in &mut template.tasks {
            t.flow_id = template.flow.id.clone();
        }
        for e in &mut template.edges {
            e.flow_id = template.flow.id.clone();
        }
        many.save_flow(&template, flowdeck::store::Base::Any)
            .expect("save");
    }
    c.bench_function("list 10000 flows", |b| {
        b.iter(|| many.flows().expect("list"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
