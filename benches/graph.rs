//! Laying out and drawing a 500-task flow's graph (issue 6: under 5 ms together).
//!
//! `cargo bench --bench graph`. The flow is `model::sample::large_flow`: a 500-long chain
//! with a fan-in every 10 tasks (500 layers, ~450 dummy nodes for long edges); the
//! window is a 160×48 `TestBackend` scrolled to the middle of the flow.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use flowdeck::model::sample::large_flow;
use flowdeck::ui::widgets::graph::{GraphLayout, GraphView};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn bench(c: &mut Criterion) {
    let spec = large_flow("bench", 500);
    let Ok(mut terminal) = Terminal::new(TestBackend::new(160, 48)) else {
        return;
    };
    let mut group = c.benchmark_group("graph_500");
    group.bench_function("layout", |b| b.iter(|| GraphLayout::new(black_box(&spec))));
    let layout = GraphLayout::new(&spec);
    let middle = layout.index_of_var("t250");
    let offset = middle.map_or((0, 0), |i| layout.scroll_to_show(i, (160, 48), (0, 0)));
    group.bench_function("draw", |b| {
        b.iter(|| {
            terminal
                .draw(|f| {
                    f.render_widget(
                        GraphView::new(&layout).offset(offset).selected(middle),
                        f.area(),
                    )
                })
                .map(|_| ())
        })
    });
    // The widget alone, into a plain buffer: what the view costs without the
    // terminal's own diffing.
    let area = ratatui::layout::Rect::new(0, 0, 160, 48);
    let mut buffer = ratatui::buffer::Buffer::empty(area);
    group.bench_function("render_widget_only", |b| {
        b.iter(|| {
            ratatui::widgets::Widget::render(
                GraphView::new(&layout).offset(offset).selected(middle),
                area,
                &mut buffer,
            )
        })
    });
    group.bench_function("layout_and_draw", |b| {
        b.iter(|| {
            let layout = GraphLayout::new(black_box(&spec));
            terminal
                .draw(|f| {
                    f.render_widget(
                        GraphView::new(&layout).offset(offset).selected(middle),
                        f.area(),
                    )
                })
                .map(|_| ())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
