//! Rendered DAG files of representative flows, pinned as insta snapshots, plus the
//! properties every render must have (deterministic, ASCII, header hash, line map).

mod support;

use flowdeck::render::{parse_header, render, RenderConfig, Renderer};

#[test]
fn rendered_fixtures_match_snapshots() {
    let renderer = Renderer::new(&RenderConfig::default()).unwrap();
    for (name, spec) in support::fixtures() {
        let rendered = renderer.render(&spec, &support::functions()).unwrap();
        insta::assert_snapshot!(name, rendered.source);
    }
}

#[test]
fn renders_are_deterministic_ascii_and_self_describing() {
    let renderer = Renderer::new(&RenderConfig::default()).unwrap();
    for (name, spec) in support::fixtures() {
        let a = renderer.render(&spec, &support::functions()).unwrap();
        // A fresh renderer and a re-imported flow (new record ids) give the same bytes.
        let b = render(&spec, &support::functions(), &RenderConfig::default()).unwrap();
        assert_eq!(a, b, "{name}");
        assert!(a.source.is_ascii(), "{name} is not ASCII");
        assert_eq!(a.file_name, format!("{}.py", spec.flow.id));
        let header = parse_header(&a.source).unwrap();
        assert_eq!(header.flow_id, spec.flow.id);
        assert_eq!(header.content_hash, a.content_hash);
        assert!(header.body_intact, "{name}");
        assert_eq!(a.line_map.len(), spec.tasks.len(), "{name}");
        let lines: Vec<&str> = a.source.lines().collect();
        for t in &a.line_map {
            let first = lines[t.first as usize - 1];
            let last = lines[t.last as usize - 1];
            assert!(
                first.contains(&format!("{} = ", t.task))
                    || first.contains(&format!("_fd_cb_{} = ", t.task)),
                "{name}: line {} is {first:?}",
                t.first
            );
            assert_eq!(last, "    )", "{name}: {t:?}");
        }
    }
}
