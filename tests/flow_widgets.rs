//! The Flow editor pane's widgets, drawn into ratatui's TestBackend: the graph view
//! (layout invariants, drawing, navigation), the diff view and the options editor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flowdeck::model::document::{apply_document, parse_document, render_document, to_document};
use flowdeck::model::sample::{daily_sales, epoch, etl_functions, large_flow, DAILY_SALES};
use flowdeck::model::{Edge, FlowSpec, Mode};
use flowdeck::state::view::diff::{DiffLineKind, DiffSummary, FlowDiff};
use flowdeck::state::view::options_editor::{Consumed, EditorKind, OptionsEditor};
use flowdeck::ui::widgets::diff::DiffView;
use flowdeck::ui::widgets::graph::{
    import_error_style, run_state_style, Direction, GraphLayout, GraphView, BOX_HEIGHT,
};
use flowdeck::ui::widgets::options_editor::option_reference;
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::{Frame, Terminal};
use std::collections::{HashMap, HashSet, VecDeque};

// ---------------------------------------------------------------------------------------
// helpers

fn draw(width: u16, height: u16, f: impl FnOnce(&mut Frame)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(f).expect("draw");
    terminal
}

fn buffer(t: &Terminal<TestBackend>) -> &Buffer {
    t.backend().buffer()
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

/// A flow of `n` tasks `t0…` with the given edges, built directly (no TOML), so property
/// tests can make thousands.
fn flow_of(n: usize, edges: &[(usize, usize)]) -> FlowSpec {
    let base = daily_sales();
    let template = base.tasks[0].clone();
    let tasks = (0..n)
        .map(|i| {
            let mut t = template.clone();
            t.id = format!("task_{i:04}");
            t.variable_id = format!("t{i}");
            t.inputs.clear();
            t.position = i as u32;
            t
        })
        .collect();
    let edges = edges
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| Edge {
            id: format!("edge_{k}"),
            flow_id: base.flow.id.clone(),
            from_task_id: format!("task_{a:04}"),
            to_task_id: format!("task_{b:04}"),
        })
        .collect();
    FlowSpec {
        flow: base.flow,
        tasks,
        edges,
    }
}

/// Checks everything a drawing relies on; panics with the reason.
fn check_layout(spec: &FlowSpec, layout: &GraphLayout) {
    assert_eq!(layout.nodes.len(), spec.tasks.len());
    // Edges go from a lower layer to a higher one, hence left to right.
    for e in &layout.edges {
        let (a, b) = (&layout.nodes[e.from], &layout.nodes[e.to]);
        assert!(
            a.layer < b.layer,
            "edge {} → {} goes back",
            a.label,
            b.label
        );
        assert!(a.x + a.width <= b.x);
    }
    // Boxes lie inside the drawing and never overlap or touch vertically.
    for b in &layout.nodes {
        assert_eq!(b.height, BOX_HEIGHT);
        assert!(b.x + b.width <= layout.width && b.y + b.height <= layout.height);
    }
    let mut by_layer: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, b) in layout.nodes.iter().enumerate() {
        by_layer.entry(b.layer).or_default().push(i);
    }
    for nodes in by_layer.values() {
        let mut nodes = nodes.clone();
        nodes.sort_by_key(|&i| layout.nodes[i].y);
        for w in nodes.windows(2) {
            let (a, b) = (&layout.nodes[w[0]], &layout.nodes[w[1]]);
            assert_eq!(a.x, b.x, "a layer is one column");
            assert!(
                a.y + a.height < b.y,
                "{} and {} overlap or touch",
                a.label,
                b.label
            );
        }
    }
    let columns: Vec<(u32, u32)> = {
        let mut c: Vec<(u32, u32)> = layout.nodes.iter().map(|b| (b.x, b.x + b.width)).collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    for w in columns.windows(2) {
        assert!(w[0].1 <= w[1].0, "columns overlap: {columns:?}");
    }
    // Lines stay out of boxes except where they leave (right border) or arrive (left
    // border) at the box's port row.
    let boxes: Vec<_> = layout.nodes.iter().collect();
    for s in layout.segments() {
        assert!(
            s.x0 == s.x1 || s.y0 == s.y1,
            "segment not axis-aligned: {s:?}"
        );
        assert!(
            s.x1 < layout.width && s.y1 < layout.height,
            "segment outside: {s:?}"
        );
        for x in s.x0..=s.x1 {
            for y in s.y0..=s.y1 {
                for b in &boxes {
                    let inside = x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
                    if inside {
                        let port = y == b.port_row() && (x == b.x || x == b.x + b.width - 1);
                        assert!(port, "edge line crosses box {} at ({x}, {y})", b.label);
                    }
                }
            }
        }
    }
    // Every edge is one connected line from its source's right border to its target's
    // left border, with an arrowhead just before the target.
    for (i, e) in layout.edges.iter().enumerate() {
        let (a, b) = (&layout.nodes[e.from], &layout.nodes[e.to]);
        let start = (a.x + a.width - 1, a.port_row());
        let end = (b.x, b.port_row());
        let mut next: HashMap<(u32, u32), Vec<(u32, u32)>> = HashMap::new();
        for s in layout.segments().iter().filter(|s| s.edge == i) {
            let cells: Vec<(u32, u32)> = if s.y0 == s.y1 {
                (s.x0..=s.x1).map(|x| (x, s.y0)).collect()
            } else {
                (s.y0..=s.y1).map(|y| (s.x0, y)).collect()
            };
            for w in cells.windows(2) {
                next.entry(w[0]).or_default().push(w[1]);
                next.entry(w[1]).or_default().push(w[0]);
            }
        }
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(c) = queue.pop_front() {
            for &n in next.get(&c).into_iter().flatten() {
                if seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
        assert!(
            seen.contains(&end),
            "edge {} → {} is not connected",
            a.label,
            b.label
        );
        assert!(
            layout
                .arrows()
                .iter()
                .any(|ar| ar.edge == i && (ar.x, ar.y) == (end.0 - 1, end.1)),
            "edge {} → {} has no arrowhead",
            a.label,
            b.label
        );
    }
}

/// Positions only (record ids differ between two imports of one document).
fn geometry(layout: &GraphLayout) -> Vec<(String, u32, u32, u32)> {
    layout
        .nodes
        .iter()
        .map(|b| (b.variable_id.clone(), b.x, b.y, b.width))
        .collect()
}

// ---------------------------------------------------------------------------------------
// graph: snapshots

#[test]
fn graph_daily_sales() {
    let spec = daily_sales();
    let layout = GraphLayout::new(&spec);
    check_layout(&spec, &layout);
    let load = layout.index_of_var("load");
    let t = draw(60, 6, |f| {
        f.render_widget(GraphView::new(&layout).selected(load), f.area())
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn graph_50_tasks() {
    let spec = large_flow("big", 50);
    let layout = GraphLayout::new(&spec);
    check_layout(&spec, &layout);
    let t = draw(160, 48, |f| {
        f.render_widget(GraphView::new(&layout), f.area())
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn graph_50_tasks_scrolled_to_selection() {
    let spec = large_flow("big", 50);
    let layout = GraphLayout::new(&spec);
    let selected = layout.index_of_var("t25").expect("t25");
    let offset = layout.scroll_to_show(selected, (160, 12), (0, 0));
    assert!(offset.0 > 0, "t25 is far right: {offset:?}");
    let t = draw(160, 12, |f| {
        f.render_widget(
            GraphView::new(&layout)
                .offset(offset)
                .selected(Some(selected)),
            f.area(),
        )
    });
    insta::assert_snapshot!(t.backend());
}

/// A diamond with a fan-out, a long edge and a side input: junctions and crossings.
#[test]
fn graph_branching_flow() {
    // a → b, c, d; b, c → e; d → f; e, f → g; a → g (long); side → g
    let spec = flow_of(
        8,
        &[
            (0, 1),
            (0, 2),
            (0, 3),
            (1, 4),
            (2, 4),
            (3, 5),
            (4, 6),
            (5, 6),
            (0, 6),
            (7, 6),
        ],
    );
    let layout = GraphLayout::new(&spec);
    check_layout(&spec, &layout);
    let t = draw(70, 18, |f| {
        f.render_widget(GraphView::new(&layout), f.area())
    });
    insta::assert_snapshot!(t.backend());
}

// ---------------------------------------------------------------------------------------
// graph: invariants

#[test]
fn layouts_of_the_samples_hold_the_invariants() {
    for spec in [
        daily_sales(),
        large_flow("big", 50),
        large_flow("huge", 500),
    ] {
        let layout = GraphLayout::new(&spec);
        check_layout(&spec, &layout);
        assert_eq!(layout.skipped_edges, 0);
    }
}

#[test]
fn layout_is_deterministic() {
    let spec = large_flow("big", 120);
    let a = GraphLayout::new(&spec);
    assert_eq!(a, GraphLayout::new(&spec));
    // A second import of the same document gets fresh record ids, and edges listed in
    // another order mean the same flow: same picture.
    let mut other = large_flow("big", 120);
    other.edges.reverse();
    assert_eq!(geometry(&a), geometry(&GraphLayout::new(&other)));
}

#[test]
fn a_cycle_is_drawn_without_the_closing_edge() {
    let spec = flow_of(3, &[(0, 1), (1, 2), (2, 0)]);
    let layout = GraphLayout::new(&spec);
    assert_eq!(layout.skipped_edges, 1);
    assert_eq!(layout.edges.len(), 2);
    check_layout(&spec, &layout);
    let t = draw(60, 6, |f| {
        f.render_widget(GraphView::new(&layout), f.area())
    });
    assert!(
        row_text(buffer(&t), 5).contains("1 edge not drawn"),
        "{}",
        t.backend()
    );
}

#[test]
fn unknown_endpoints_and_self_loops_are_skipped() {
    let mut spec = flow_of(2, &[(0, 1), (1, 1)]);
    spec.edges.push(Edge {
        id: "e".into(),
        flow_id: spec.flow.id.clone(),
        from_task_id: "task_0000".into(),
        to_task_id: "nope".into(),
    });
    let layout = GraphLayout::new(&spec);
    assert_eq!((layout.edges.len(), layout.skipped_edges), (1, 2));
}

#[test]
fn any_offset_draws_without_panicking() {
    let layout = GraphLayout::new(&large_flow("big", 30));
    for offset in [
        (u32::MAX, u32::MAX),
        (u32::MAX - 5, 0),
        (0, u32::MAX - 1),
        (7, 3),
    ] {
        draw(20, 5, |f| {
            f.render_widget(
                GraphView::new(&layout).offset(offset).selected(Some(3)),
                f.area(),
            )
        });
    }
}

#[test]
fn an_empty_flow_says_so() {
    let spec = flow_of(0, &[]);
    let layout = GraphLayout::new(&spec);
    let t = draw(30, 3, |f| {
        f.render_widget(GraphView::new(&layout), f.area())
    });
    assert!(row_text(buffer(&t), 1).contains("no tasks"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random DAGs (edges from lower to higher index, tasks listed in a shuffled order)
    /// keep every invariant, and every edge is drawn.
    #[test]
    fn random_flows_hold_the_invariants(
        n in 1usize..40,
        raw in prop::collection::vec((0usize..40, 0usize..40), 0..90),
        rotate in 0usize..40,
    ) {
        let mut edges: Vec<(usize, usize)> = raw
            .into_iter()
            .map(|(a, b)| (a % n, b % n))
            .filter(|(a, b)| a < b)
            .collect();
        let mut spec = flow_of(n, &edges);
        spec.tasks.rotate_left(rotate % n);
        let layout = GraphLayout::new(&spec);
        check_layout(&spec, &layout);
        edges.sort_unstable();
        edges.dedup();
        prop_assert_eq!(layout.edges.len(), edges.len());
        prop_assert_eq!(layout.skipped_edges, 0);
    }

    /// A window scrolled anywhere shows exactly that part of the whole drawing: clipping
    /// and the culling of layers out of view lose nothing and add nothing.
    #[test]
    fn a_scrolled_window_is_a_part_of_the_whole_drawing(
        n in 1usize..30,
        raw in prop::collection::vec((0usize..30, 0usize..30), 0..60),
        fx in 0.0f64..1.0,
        fy in 0.0f64..1.0,
    ) {
        let edges: Vec<(usize, usize)> = raw
            .into_iter()
            .map(|(a, b)| (a % n, b % n))
            .filter(|(a, b)| a < b)
            .collect();
        let spec = flow_of(n, &edges);
        let layout = GraphLayout::new(&spec);
        let (w, h) = (layout.width as u16, layout.height as u16);
        let whole = draw(w, h, |f| {
            f.render_widget(GraphView::new(&layout).selected(Some(0)), f.area())
        });
        let (vw, vh) = (23u16, 7u16);
        let ox = (f64::from(w.saturating_sub(vw)) * fx) as u16;
        let oy = (f64::from(h.saturating_sub(vh)) * fy) as u16;
        let part = draw(vw, vh, |f| {
            f.render_widget(
                GraphView::new(&layout).selected(Some(0)).offset((ox.into(), oy.into())),
                f.area(),
            )
        });
        for y in 0..vh.min(h) {
            for x in 0..vw.min(w) {
                prop_assert_eq!(
                    &buffer(&part)[(x, y)],
                    &buffer(&whole)[(x + ox, y + oy)],
                    "cell ({}, {}) of the window at ({}, {})", x, y, ox, oy
                );
            }
        }
    }
}

#[test]
fn the_layout_key_ignores_options_but_not_edges() {
    let spec = daily_sales();
    let layout = GraphLayout::new(&spec);
    let mut edited = spec.clone();
    edited.tasks[0].options = "retries = 5\n".into();
    assert!(layout.is_current(&edited));
    edited.edges.pop();
    assert!(!layout.is_current(&edited));
    let mut renamed = spec.clone();
    renamed.tasks[1].variable_id = "load2".into();
    assert!(!layout.is_current(&renamed));
}

// ---------------------------------------------------------------------------------------
// graph: drawing details

#[test]
fn task_styles_selection_and_lit_edges() {
    let spec = daily_sales();
    let layout = GraphLayout::new(&spec);
    let styles = HashMap::from([
        ("extract".to_string(), run_state_style("success")),
        ("load".to_string(), run_state_style("failed")),
        ("report".to_string(), import_error_style()),
    ]);
    let load = layout.index_of_var("load").expect("load");
    let t = draw(60, 4, |f| {
        f.render_widget(
            GraphView::new(&layout).styles(&styles).selected(Some(load)),
            f.area(),
        )
    });
    let buf = buffer(&t);
    let (e, l, r) = (
        &layout.nodes[0],
        &layout.nodes[load],
        &layout.nodes[layout.index_of_var("report").expect("report")],
    );
    let cell = |x: u32, y: u32| &buf[(x as u16, y as u16)];
    assert_eq!(cell(e.x, e.y).fg, Color::Green);
    assert_eq!(cell(e.x, e.y).symbol(), "┌");
    // Selected: double border, bold, label reversed.
    assert_eq!(cell(l.x, l.y).symbol(), "╔");
    assert_eq!(cell(l.x, l.y).fg, Color::Red);
    assert!(cell(l.x + 2, l.port_row())
        .modifier
        .contains(Modifier::REVERSED));
    // Import error: red background over the whole box.
    assert_eq!(cell(r.x + r.width / 2, r.port_row()).bg, Color::Red);
    // The selected task's edges are lit, arrowheads included.
    let arrow_in = cell(l.x - 1, l.port_row());
    assert_eq!((arrow_in.symbol(), arrow_in.fg), ("▶", Color::Yellow));
    assert_eq!(cell(r.x - 1, r.port_row()).fg, Color::Yellow);
}

#[test]
fn styles_follow_airflow_states() {
    assert_eq!(run_state_style("running").fg, Some(Color::Cyan));
    assert_eq!(run_state_style("queued").fg, Some(Color::Gray));
    assert_eq!(run_state_style("no such state"), Style::new());
}

#[test]
fn long_and_wide_labels_are_cut_to_fit() {
    let mut spec = flow_of(2, &[(0, 1)]);
    spec.tasks[0].variable_id = "a_very_long_variable_name_for_a_task".into();
    spec.tasks[1].variable_id = "集計_日本語_タスク".into();
    let layout = GraphLayout::new(&spec);
    assert_eq!(layout.nodes[0].label, "a_very_long_variable_na…");
    check_layout(&spec, &layout);
    let b = &layout.nodes[1];
    // Scroll so the window's left edge cuts the second task's label mid-character.
    for dx in 0..6 {
        let offset = (b.x + 2 + dx, 0);
        let t = draw(12, 3, |f| {
            f.render_widget(GraphView::new(&layout).offset(offset), f.area())
        });
        let text = row_text(buffer(&t), 1);
        assert!(!text.contains('\u{fffd}'), "{text}");
    }
}

#[test]
fn keyboard_navigation_follows_the_graph() {
    let spec = flow_of(5, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
    let layout = GraphLayout::new(&spec);
    let var = |i: Option<usize>| i.map(|i| layout.nodes[i].variable_id.clone());
    let t0 = layout.index_of_var("t0");
    let t1 = layout.index_of_var("t1").expect("t1");
    assert_eq!(var(layout.neighbor(t0.expect("t0"), Direction::Left)), None);
    let right = layout.neighbor(t0.expect("t0"), Direction::Right);
    assert!(matches!(var(right).as_deref(), Some("t1" | "t2")));
    assert_eq!(
        var(layout.neighbor(t1, Direction::Right)).as_deref(),
        Some("t3")
    );
    assert_eq!(
        var(layout.neighbor(t1, Direction::Left)).as_deref(),
        Some("t0")
    );
    let down = layout
        .neighbor(t1, Direction::Down)
        .or(layout.neighbor(t1, Direction::Up));
    assert_eq!(var(down).as_deref(), Some("t2"));
}

#[test]
fn node_at_finds_boxes_for_mouse_clicks() {
    let layout = GraphLayout::new(&daily_sales());
    let b = &layout.nodes[1];
    assert_eq!(layout.node_at(b.x + 1, b.y + 1), Some(1));
    assert_eq!(layout.node_at(b.x + b.width, b.y + 1), None);
}

#[test]
fn scrolling_shows_the_selection_and_stays_in_bounds() {
    let layout = GraphLayout::new(&large_flow("big", 50));
    let last = layout.index_of_var("t49").expect("t49");
    let view = (80, 10);
    let off = layout.scroll_to_show(last, view, (0, 0));
    let b = &layout.nodes[last];
    assert!(b.x >= off.0 && b.x + b.width <= off.0 + 80);
    assert_eq!(off, layout.clamp_offset(off, view));
    // Already visible: no change.
    assert_eq!(layout.scroll_to_show(last, view, off), off);
    assert_eq!(
        layout.clamp_offset((u32::MAX, u32::MAX), view).0,
        layout.width - 80
    );
}

// ---------------------------------------------------------------------------------------
// diff

/// The deployed daily sales flow, and the current one: `extract` retries more, `load`
/// appends to another table, a `notify` task follows `report`.
fn two_versions() -> (FlowSpec, FlowSpec) {
    let old = daily_sales();
    let text = DAILY_SALES
        .replace("retries = 2\nretry_delay = \"5m\"", "retries = 3\nretry_delay = \"10m\"")
        .replace("{ mode = \"append\" }", "{ mode = \"append\", table = \"sales\" }")
        + "\n[[tasks]]\nid = \"notify\"\nmode = \"docker\"\n[tasks.options]\nimage = \"alpine:3\"\ncommand = \"echo done\"\n\n[[edges]]\nfrom = \"report\"\nto = \"notify\"\n";
    let doc = parse_document(&text).expect("document");
    let new = apply_document(&doc, Some(&old), &etl_functions(), epoch()).expect("flow");
    (old, new)
}

fn document(spec: &FlowSpec) -> String {
    render_document(&to_document(spec, &etl_functions()))
}

#[test]
fn diff_of_two_daily_sales_versions() {
    let (old, new) = two_versions();
    let diff = FlowDiff::new(&document(&old), &document(&new));
    let summary = DiffSummary::between(&old, &new);
    assert_eq!(summary.to_string(), "tasks +1 −0 ~2 · edges +1 −0");
    assert_eq!(summary.tasks_added, ["notify"]);
    assert_eq!(summary.tasks_changed, ["extract", "load"]);
    assert_eq!(
        summary.edges_added,
        [("report".to_string(), "notify".to_string())]
    );
    let t = draw(72, 30, |f| {
        f.render_widget(DiffView::new(&diff).summary(&summary), f.area())
    });
    insta::assert_snapshot!(t.backend());
    // Colours: added green, removed red, hunk headers cyan.
    let buf = buffer(&t);
    let find = |kind: DiffLineKind| {
        diff.lines
            .iter()
            .position(|l| l.kind == kind)
            .expect("line kind") as u16
            + 1
    };
    let gutter = 7; // "nn nn │"
    assert_eq!(buf[(gutter, find(DiffLineKind::Added))].fg, Color::Green);
    assert_eq!(buf[(gutter, find(DiffLineKind::Removed))].fg, Color::Red);
    assert_eq!(buf[(gutter, find(DiffLineKind::Hunk))].fg, Color::Cyan);
}

#[test]
fn diff_scrolls_and_jumps_between_hunks() {
    let (old, new) = two_versions();
    let diff = FlowDiff::new(&document(&old), &document(&new));
    let second = diff.next_hunk(0, true).expect("a second hunk");
    assert_eq!(diff.lines[second].kind, DiffLineKind::Hunk);
    assert_eq!(diff.next_hunk(second, false), Some(0));
    let t = draw(60, 5, |f| {
        f.render_widget(DiffView::new(&diff).scroll(second), f.area())
    });
    assert!(row_text(buffer(&t), 0).contains("@@"), "{}", t.backend());
    // Past the end: the last page stays full.
    let t = draw(60, 5, |f| {
        f.render_widget(DiffView::new(&diff).scroll(usize::MAX), f.area())
    });
    assert!(!row_text(buffer(&t), 4).trim().is_empty());
    assert_eq!(DiffView::max_scroll(&diff, 5, false), diff.lines.len() - 5);
}

#[test]
fn an_unchanged_flow_has_an_empty_diff() {
    let spec = daily_sales();
    let diff = FlowDiff::new(&document(&spec), &document(&spec));
    assert!(diff.is_empty());
    let summary = DiffSummary::between(&spec, &spec);
    assert!(summary.is_empty());
    let t = draw(50, 3, |f| {
        f.render_widget(DiffView::new(&diff).summary(&summary), f.area())
    });
    assert!(row_text(buffer(&t), 0).contains("no changes"));
    assert!(row_text(buffer(&t), 1).contains("no changes against the deployed version"));
}

#[test]
fn a_rename_is_a_change_not_a_removal() {
    let old = daily_sales();
    let mut new = old.clone();
    new.tasks[1].variable_id = "load_sales".into();
    // Comments and spacing in options are not changes.
    new.tasks[0].options = format!("# tuned\n{}", new.tasks[0].options.replace(" = ", "="));
    new.edges.retain(|e| e.to_task_id != new.tasks[2].id);
    new.flow.schedule = "@hourly".into();
    let s = DiffSummary::between(&old, &new);
    assert_eq!(
        s.tasks_renamed,
        [("load".to_string(), "load_sales".to_string())]
    );
    assert_eq!(s.tasks_changed, ["load_sales"]);
    assert!(s.tasks_added.is_empty() && s.tasks_removed.is_empty());
    assert_eq!(
        s.edges_removed,
        [("load_sales".to_string(), "report".to_string())]
    );
    assert!(s.edges_added.is_empty());
    assert!(s.settings_changed);
    assert_eq!(
        s.to_string(),
        "tasks +0 −0 ~1 · edges +0 −1 · settings changed"
    );
}

#[test]
fn diff_lines_are_printable() {
    let diff = FlowDiff::new("a = 1\n", "a = 1\nb\t= \"\u{1b}[31m\"\n");
    let added = diff
        .lines
        .iter()
        .find(|l| l.kind == DiffLineKind::Added)
        .expect("added");
    assert_eq!(added.text, "b    = \"\\u{1b}[31m\"");
    assert_eq!((diff.added, diff.removed), (1, 0));
}

// ---------------------------------------------------------------------------------------
// options editor

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(editor: &mut OptionsEditor, text: &str) {
    for c in text.chars() {
        let k = if c == '\n' {
            key(KeyCode::Enter)
        } else {
            key(KeyCode::Char(c))
        };
        assert_eq!(editor.input(k), Consumed::Consumed);
    }
}

#[test]
fn options_editor_shows_an_unknown_option() {
    let mut editor = OptionsEditor::new("retries = 1\n", Mode::Python);
    assert!(editor.problems().is_empty());
    assert!(!editor.is_dirty());
    // Typed, not loaded: the check runs on every change.
    editor.input(ctrl('e'));
    type_text(&mut editor, "\nretrys = 2\nretry_delay = \"5m\"");
    assert!(editor.is_dirty());
    assert_eq!(
        editor.text(),
        "retries = 1\nretrys = 2\nretry_delay = \"5m\"\n"
    );
    let problems = editor.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 2);
    assert_eq!(
        problems[0].message,
        "unknown option `retrys`; did you mean `retries`?"
    );
    let t = draw(64, 10, |f| f.render_widget(&editor, f.area()));
    insta::assert_snapshot!(t.backend());
    let buf = buffer(&t);
    // Gutter mark in red on line 2 (row 2: border, line 1, line 2), that text row red.
    assert_eq!(buf[(1, 2)].symbol(), "!");
    assert_eq!(buf[(1, 2)].fg, Color::Red);
    assert_eq!(buf[(6, 2)].bg, Color::Red);
    assert_ne!(buf[(6, 1)].bg, Color::Red);
}

#[test]
fn options_editor_recovers_when_fixed() {
    let mut editor = OptionsEditor::new("retrys = 2", Mode::Python);
    assert_eq!(editor.problems().len(), 1);
    // Go to the `y` of `retrys` and replace it with `ie`.
    editor.input(key(KeyCode::Home));
    for _ in 0..4 {
        editor.input(key(KeyCode::Right));
    }
    editor.input(key(KeyCode::Delete));
    type_text(&mut editor, "ie");
    assert_eq!(editor.text(), "retries = 2\n");
    assert!(editor.problems().is_empty(), "{:?}", editor.problems());
    // Undo (C-z, as in every text input) back to the loaded text: clean again.
    editor.input(ctrl('z'));
    editor.input(ctrl('z'));
    editor.input(ctrl('z'));
    assert_eq!(editor.text(), "retrys = 2\n");
    assert!(!editor.is_dirty());
}

#[test]
fn options_editor_leaves_pane_keys_alone() {
    let mut editor = OptionsEditor::new("", Mode::Docker);
    for k in [key(KeyCode::Esc), ctrl('s'), ctrl('q'), key(KeyCode::F(1))] {
        assert_eq!(editor.input(k), Consumed::NotConsumed, "{k:?}");
    }
    assert_eq!(editor.input(key(KeyCode::Char('x'))), Consumed::Consumed);
    // A docker task needs an image; the problem shows as soon as the text is checked.
    editor.input(key(KeyCode::Backspace));
    assert_eq!(editor.text(), "");
    assert!(editor.problems()[0].message.contains("needs `image`"));
    editor.paste("image = \"python:3.12\"\r\ncommand = \"echo hi\"");
    assert_eq!(
        editor.text(),
        "image = \"python:3.12\"\ncommand = \"echo hi\"\n"
    );
    assert!(editor.problems().is_empty(), "{:?}", editor.problems());
    editor.mark_saved();
    assert!(!editor.is_dirty());
}

#[test]
fn options_editor_highlights_the_right_row_after_scrolling() {
    // 30 lines, the problem on line 25, a window of 6 text rows.
    let mut text: String = (1..=30)
        .map(|i| {
            if i == 25 {
                "bogus = 1\n".to_string()
            } else {
                format!("# note {i}\n")
            }
        })
        .collect();
    text.push_str("retries = 1\n");
    let mut editor = OptionsEditor::new(&text, Mode::Python);
    assert_eq!(editor.problems()[0].line, 25);
    // Draws the editor; checks the lit row is exactly the one showing line 25 (gutter
    // number and text), and says whether it is in view.
    let check = |editor: &OptionsEditor| -> bool {
        let t = draw(40, 10, |f| f.render_widget(editor, f.area()));
        let buf = buffer(&t);
        let mut found = false;
        for y in 1..8 {
            let row = row_text(buf, y);
            let lit = buf[(10, y)].bg == Color::Red;
            assert_eq!(lit, row.contains("bogus"), "row {y}\n{}", t.backend());
            if lit {
                assert!(row.contains("!25 "), "{row}");
                found = true;
            }
        }
        found
    };
    assert!(!check(&editor));
    let mut seen = false;
    for _ in 0..27 {
        editor.input(key(KeyCode::Down));
        seen |= check(&editor);
    }
    assert!(seen, "line 25 came into view while moving down");
    // Page keys scroll by the window's height; the highlight follows.
    editor.input(key(KeyCode::PageUp));
    editor.input(key(KeyCode::PageUp));
    editor.input(key(KeyCode::PageUp));
    assert!(!check(&editor));
    editor.input(key(KeyCode::PageDown));
    editor.input(key(KeyCode::PageDown));
    editor.input(key(KeyCode::PageDown));
    editor.input(ctrl('v'));
    assert!(check(&editor) || editor.textarea().cursor().0 > 28);
    editor.input(KeyEvent::new(KeyCode::Char('v'), KeyModifiers::ALT));
    check(&editor);
}

#[test]
fn code_editor_takes_problems_from_the_caller() {
    let mut editor = OptionsEditor::code("def f(**context):\n    return 1\n");
    assert!(editor.problems().is_empty());
    type_text(&mut editor, "x = = 1\n");
    // Not TOML: no check while typing.
    assert!(editor.problems().is_empty());
    editor.set_problems(vec![flowdeck::model::options::OptionProblem {
        line: 1,
        message: "SyntaxError: invalid syntax".into(),
    }]);
    let t = draw(50, 8, |f| f.render_widget(&editor, f.area()));
    insta::assert_snapshot!(t.backend());
    // The next edit makes python3's verdict stale.
    type_text(&mut editor, "#");
    assert!(editor.problems().is_empty());
    // Tab indents with spaces to the next 4-column stop (Python never mixes tabs in).
    editor.input(key(KeyCode::Tab));
    assert!(editor.text().contains("\n#   def f"), "{:?}", editor.text());
    assert!(!editor.text().contains('\t'));
}

#[test]
fn the_option_reference_lists_what_applies() {
    let text = |kind| -> Vec<String> {
        option_reference(kind)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
            .collect()
    };
    let python = text(EditorKind::TaskOptions(Mode::Python));
    assert!(python.iter().any(|l| l.starts_with("retries ")));
    assert!(!python.iter().any(|l| l.starts_with("image ")));
    let docker = text(EditorKind::TaskOptions(Mode::Docker));
    assert!(docker.iter().any(|l| l.starts_with("image ")));
    let defaults = text(EditorKind::FlowDefaults);
    assert!(!defaults.iter().any(|l| l.starts_with("image ")));
    assert!(text(EditorKind::Code).is_empty());
}

/// extract → transform → load with extract → load as well: the long edge joins load's
/// line apart from where transform's own lines turn, so it never reads as leaving
/// transform; with transform fanning out, no two junctions sit side by side.
#[test]
fn a_long_edge_does_not_join_at_another_tasks_junction() {
    let junctions = ['┬', '┴', '┼', '├', '┤'];
    for (name, edges) in [
        ("graph_long_edge_into_a_chain", vec![(0, 1), (1, 2), (0, 2)]),
        (
            "graph_long_edge_beside_a_fan_out",
            vec![(0, 1), (1, 2), (1, 3), (0, 2)],
        ),
        (
            "graph_long_edge_crossing_a_fan_out",
            vec![(0, 1), (1, 2), (1, 3), (1, 4), (0, 3)],
        ),
    ] {
        let spec = flow_of(5, &edges);
        let layout = GraphLayout::new(&spec);
        check_layout(&spec, &layout);
        let t = draw(70, 12, |f| {
            f.render_widget(GraphView::new(&layout), f.area())
        });
        let buf = buffer(&t);
        for y in 0..12 {
            let row: Vec<char> = row_text(buf, y).chars().collect();
            for (x, pair) in row.windows(2).enumerate() {
                assert!(
                    !(junctions.contains(&pair[0]) && junctions.contains(&pair[1])),
                    "{name}: two junctions side by side at row {y}, column {x}: {}",
                    row_text(buf, y)
                );
            }
        }
        // The join into t2 is not where a fan-out would turn (two columns out of a box).
        let t1_row = (0..12)
            .map(|y| row_text(buf, y))
            .find(|r| r.contains("│ t1"))
            .unwrap_or_default();
        let after_t1: String = t1_row
            .split("│ t1")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .skip_while(|c| *c != '├')
            .skip(1)
            .take(2)
            .collect();
        assert_eq!(after_t1, "──", "{name}: {t1_row}");
        insta::assert_snapshot!(name, t.backend());
    }
}
