//! Layered layout of a flow, left to right (a small Sugiyama pipeline):
//!
//! 1. layers from the longest path (`model::graph`), with pure sources pulled right next
//!    to their first successor so side inputs do not drag long edges across the screen;
//! 2. edges spanning several layers get one dummy node per skipped layer, so they are
//!    routed *through* the layers like any other line and never through a box;
//! 3. a few barycenter sweeps order each layer to reduce crossings, then adjacent swaps
//!    (Graphviz's "transpose") remove what the sweeps missed; the best order seen is
//!    kept and ties break on the previous order, so the result is deterministic;
//! 4. rows come from an order-preserving L1 fit to the weighted median row of each
//!    node's neighbours (isotonic regression), alternating directions: chains come out
//!    perfectly straight and long edges bend only at their ends;
//! 5. each gap between two layers gets vertical routing tracks, as few as the edges'
//!    row spans allow, ordered so that two edges' horizontal runs never merge into a
//!    line that would read as a wrong edge.
//!
//! Why left to right: boxes are short (3 rows) and wide (a label), and routing tracks
//! live in the gaps between layers. Left to right, every extra track costs a column,
//! which a terminal has about three times more of than rows; top to bottom it would
//! cost a row. It also matches Airflow's own graph view (orientation "LR"), so an
//! operator reads the same picture in both.
//!
//! The result is plain data in layout coordinates (columns/rows from the top-left of
//! the whole drawing, `u32` so a 10,000-task chain still fits); the widget clips it to
//! the visible window. Compute it once per flow change and cache it.

use crate::model::graph::Graph;
use crate::model::text::one_line;
use crate::model::{FlowSpec, Mode};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// Rows of a task box: top border, label, bottom border (which also shows the mode).
pub const BOX_HEIGHT: u32 = 3;
/// Longest label shown in a box, in terminal columns; longer ids end in `…`.
pub const MAX_LABEL_WIDTH: usize = 24;
/// Narrowest box: wide enough for `└─python─┘`.
const MIN_BOX_WIDTH: u32 = 10;
/// Blank rows between two things stacked in one layer, so neighbouring lines never touch.
const STACK_GAP: i64 = 1;
/// Columns of a gap besides its routing tracks: two for the stub leaving the source,
/// one before the arrowhead and the arrowhead itself.
const GAP_BASE: u32 = 4;
/// Down+up barycenter sweep pairs; more rarely helps on flows of this kind.
const ORDER_PASSES: usize = 4;
/// Rounds of adjacent swaps after the sweeps.
const TRANSPOSE_ROUNDS: usize = 8;
/// Down+up placement passes.
const PLACE_PASSES: usize = 4;

/// A task's box in layout coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBox {
    /// The task's record id.
    pub task_id: String,
    /// The task's variable id as stored (the key of the caller's colour map).
    pub variable_id: String,
    /// What the box shows: the variable id made safe for the terminal and truncated.
    pub label: String,
    pub mode: Mode,
    pub layer: usize,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl NodeBox {
    /// Row of the label, where edges leave and arrive.
    pub fn port_row(&self) -> u32 {
        self.y + 1
    }
}

/// A drawn edge between two boxes (indexes into [`GraphLayout::nodes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaidEdge {
    pub from: usize,
    pub to: usize,
}

/// One straight piece of an edge's line: horizontal (`y0 == y1`) or vertical
/// (`x0 == x1`), with `x0 <= x1` and `y0 <= y1`. Both end cells belong to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Index into [`GraphLayout::edges`].
    pub edge: usize,
}

/// An arrowhead, in the cell just left of the target box's border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow {
    pub x: u32,
    pub y: u32,
    pub edge: usize,
}

/// One layer: its column and what to draw for it, so drawing looks only at the
/// layers in view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub x: u32,
    pub width: u32,
    /// Width of the gap after this column.
    pub gap: u32,
    /// Real nodes of the layer, top to bottom.
    pub nodes: Vec<usize>,
    /// Segments of this column's dummy lines and of the gap after it.
    pub segments: Range<usize>,
    pub arrows: Range<usize>,
}

/// Direction for keyboard navigation between boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Left,
    Right,
}

/// Where every box and line of a flow's graph goes. Pure data; equal flows give equal
/// layouts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphLayout {
    /// One box per task, in the flow's task order.
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<LaidEdge>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) arrows: Vec<Arrow>,
    pub(crate) columns: Vec<Column>,
    /// Size of the whole drawing.
    pub width: u32,
    pub height: u32,
    /// Edges left out: they name a task not in the flow, loop on one task, or close a
    /// cycle (a draft can hold one until it is validated).
    pub skipped_edges: usize,
    /// [`GraphLayout::key`] of the flow this was computed from.
    pub key: u64,
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
}

/// A node of the layered graph: a task or a dummy carrying a long edge through a layer.
struct LNode {
    layer: usize,
    task: Option<usize>,
    /// `(node, edge)` pairs.
    preds: Vec<(usize, usize)>,
    succs: Vec<(usize, usize)>,
}

impl LNode {
    fn height(&self) -> i64 {
        if self.task.is_some() {
            i64::from(BOX_HEIGHT)
        } else {
            1
        }
    }

    /// Row of the port relative to the node's top.
    fn port(&self) -> i64 {
        if self.task.is_some() {
            1
        } else {
            0
        }
    }
}

impl GraphLayout {
    /// Lays out a flow. Never fails: unknown endpoints, self-loops and cycle-closing
    /// edges are counted in `skipped_edges` instead of drawn.
    pub fn new(spec: &FlowSpec) -> GraphLayout {
        let key = GraphLayout::key(spec);
        let n = spec.tasks.len();
        if n == 0 {
            return GraphLayout {
                skipped_edges: spec.edges.len(),
                key,
                ..GraphLayout::default()
            };
        }
        let index: HashMap<&str, usize> = spec
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let mut bad = 0;
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(spec.edges.len());
        for e in &spec.edges {
            match (
                index.get(e.from_task_id.as_str()),
                index.get(e.to_task_id.as_str()),
            ) {
                (Some(&a), Some(&b)) if a != b => pairs.push((a, b)),
                _ => bad += 1,
            }
        }
        // Sorted pairs make the edge numbering, hence everything after, independent of
        // the order edges were added in.
        pairs.sort_unstable();
        pairs.dedup();
        let before = pairs.len();
        let mut graph = Graph::new(n, pairs.iter().copied());
        let mut layers = graph.layers();
        if layers.is_none() {
            pairs = drop_cycle_edges(n, &graph, pairs);
            graph = Graph::new(n, pairs.iter().copied());
            layers = graph.layers();
        }
        let skipped_edges = bad + before - pairs.len();
        let mut layer = layers.unwrap_or_else(|| vec![0; n]);
        pull_sources_right(&graph, &pairs, &mut layer);

        let mut lnodes: Vec<LNode> = (0..n)
            .map(|i| LNode {
                layer: layer[i],
                task: Some(i),
                preds: Vec::new(),
                succs: Vec::new(),
            })
            .collect();
        for (e, &(a, b)) in pairs.iter().enumerate() {
            let mut prev = a;
            for l in layer[a] + 1..layer[b] {
                let d = lnodes.len();
                lnodes.push(LNode {
                    layer: l,
                    task: None,
                    preds: Vec::new(),
                    succs: Vec::new(),
                });
                lnodes[prev].succs.push((d, e));
                lnodes[d].preds.push((prev, e));
                prev = d;
            }
            lnodes[prev].succs.push((b, e));
            lnodes[b].preds.push((prev, e));
        }

        let layer_count = layer.iter().max().map_or(0, |m| m + 1);
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
        for (v, node) in lnodes.iter().enumerate() {
            order[node.layer].push(v);
        }
        reduce_crossings(&lnodes, &mut order);
        let ys = assign_rows(&lnodes, &order);

        // Column widths come from the widest label in the layer, so every box of a layer
        // has the same width and all its edges leave from the same column.
        let labels: Vec<String> = spec
            .tasks
            .iter()
            .map(|t| truncate(&label_text(&t.variable_id), MAX_LABEL_WIDTH))
            .collect();
        let mut col_width = vec![MIN_BOX_WIDTH; layer_count];
        for (i, label) in labels.iter().enumerate() {
            let w = u32::try_from(text_width(label)).unwrap_or(u32::MAX);
            col_width[layer[i]] = col_width[layer[i]].max(w.saturating_add(4));
        }

        let gaps: Vec<Vec<GapSource>> = (0..layer_count.saturating_sub(1))
            .map(|l| route_gap(&lnodes, &order, &ys, l))
            .collect();
        let mut col_x = Vec::with_capacity(layer_count);
        let mut gap_width = Vec::with_capacity(layer_count);
        let mut x = 0u32;
        for (l, &w) in col_width.iter().enumerate() {
            col_x.push(x);
            // The last layer has no gap after it; the others have one even with no
            // tracks, for the stubs and arrowheads.
            let gap = match gaps.get(l) {
                Some(g) => GAP_BASE + track_count(g),
                None => 0,
            };
            gap_width.push(gap);
            x = x.saturating_add(w).saturating_add(gap);
        }
        let width = x;

        let row = |v: usize| u32::try_from(ys[v]).unwrap_or(u32::MAX);
        let nodes: Vec<NodeBox> = spec
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| NodeBox {
                task_id: t.id.clone(),
                variable_id: t.variable_id.clone(),
                label: labels[i].clone(),
                mode: t.mode,
                layer: layer[i],
                x: col_x[layer[i]],
                y: row(i),
                width: col_width[layer[i]],
                height: BOX_HEIGHT,
            })
            .collect();
        let height = lnodes
            .iter()
            .enumerate()
            .map(|(v, node)| ys[v] + node.height())
            .max()
            .map_or(0, |h| u32::try_from(h).unwrap_or(u32::MAX));

        let mut segments = Vec::new();
        let mut arrows = Vec::new();
        let mut columns = Vec::with_capacity(layer_count);
        for l in 0..layer_count {
            let seg_start = segments.len();
            let arrow_start = arrows.len();
            let left = col_x[l];
            let right = left + col_width[l] - 1;
            for &v in &order[l] {
                if lnodes[v].task.is_none() {
                    // A long edge passing through this layer: a line across the column.
                    let edge = lnodes[v].succs.first().map_or(0, |s| s.1);
                    segments.push(seg(left, row(v), right, row(v), edge));
                }
            }
            if let Some(gap) = gaps.get(l) {
                let next_left = col_x[l + 1];
                for src in gap {
                    let ys_ = row(src.node);
                    let ys = ys_ + u32::try_from(lnodes[src.node].port()).unwrap_or(0);
                    for &(v, e) in &lnodes[src.node].succs {
                        let yt = row(v) + u32::try_from(lnodes[v].port()).unwrap_or(0);
                        match src.track {
                            None => segments.push(seg(right, ys, next_left, ys, e)),
                            Some(t) => {
                                let c = right + 3 + u32::try_from(t).unwrap_or(0);
                                segments.push(seg(right, ys, c, ys, e));
                                if ys != yt {
                                    segments.push(seg(c, ys.min(yt), c, ys.max(yt), e));
                                }
                                segments.push(seg(c, yt, next_left, yt, e));
                            }
                        }
                        if lnodes[v].task.is_some() {
                            arrows.push(Arrow {
                                x: next_left - 1,
                                y: yt,
                                edge: e,
                            });
                        }
                    }
                }
            }
            let mut real: Vec<usize> = order[l]
                .iter()
                .copied()
                .filter(|&v| lnodes[v].task.is_some())
                .collect();
            real.sort_by_key(|&v| ys[v]);
            columns.push(Column {
                x: left,
                width: col_width[l],
                gap: gap_width[l],
                nodes: real,
                segments: seg_start..segments.len(),
                arrows: arrow_start..arrows.len(),
            });
        }

        let mut preds = vec![Vec::new(); n];
        let mut succs = vec![Vec::new(); n];
        for &(a, b) in &pairs {
            succs[a].push(b);
            preds[b].push(a);
        }
        GraphLayout {
            nodes,
            edges: pairs
                .iter()
                .map(|&(from, to)| LaidEdge { from, to })
                .collect(),
            segments,
            arrows,
            columns,
            width,
            height,
            skipped_edges,
            key,
            preds,
            succs,
        }
    }

    /// A hash of what the picture depends on: tasks (record id, variable id, mode, in
    /// order) and edges. Options, inputs and code do not change the graph, so editing
    /// them keeps the key and the cached layout.
    pub fn key(spec: &FlowSpec) -> u64 {
        let mut h = DefaultHasher::new();
        spec.tasks.len().hash(&mut h);
        for t in &spec.tasks {
            (&t.id, &t.variable_id, t.mode.as_str()).hash(&mut h);
        }
        for e in &spec.edges {
            (&e.from_task_id, &e.to_task_id).hash(&mut h);
        }
        h.finish()
    }

    /// True when this layout still draws `spec` (see [`GraphLayout::key`]).
    pub fn is_current(&self, spec: &FlowSpec) -> bool {
        self.key == GraphLayout::key(spec)
    }

    /// Every line piece of every edge.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn arrows(&self) -> &[Arrow] {
        &self.arrows
    }

    /// Number of layers (columns of boxes).
    pub fn layer_count(&self) -> usize {
        self.columns.len()
    }

    /// Index of the box of a task, by record id.
    pub fn index_of(&self, task_id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.task_id == task_id)
    }

    /// Index of the box of a task, by variable id.
    pub fn index_of_var(&self, variable_id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.variable_id == variable_id)
    }

    /// The box covering a layout cell (for mouse clicks).
    pub fn node_at(&self, x: u32, y: u32) -> Option<usize> {
        let col = self.column_at(x)?;
        col.nodes.iter().copied().find(|&i| {
            let b = &self.nodes[i];
            x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height
        })
    }

    fn column_at(&self, x: u32) -> Option<&Column> {
        let i = self.columns.partition_point(|c| c.x <= x);
        self.columns.get(i.checked_sub(1)?)
    }

    /// Upstream boxes of a box.
    pub fn predecessors(&self, node: usize) -> &[usize] {
        self.preds.get(node).map_or(&[], Vec::as_slice)
    }

    /// Downstream boxes of a box.
    pub fn successors(&self, node: usize) -> &[usize] {
        self.succs.get(node).map_or(&[], Vec::as_slice)
    }

    /// The box to select when moving from `node`: up/down within its layer; left/right
    /// to the nearest connected box in that direction, else the nearest box of the
    /// adjacent layer. `None` at the edge of the drawing.
    pub fn neighbor(&self, node: usize, dir: Direction) -> Option<usize> {
        let here = self.nodes.get(node)?;
        let col = self.columns.get(here.layer)?;
        let pos = col.nodes.iter().position(|&i| i == node)?;
        let nearest = |candidates: &mut dyn Iterator<Item = usize>| {
            candidates.min_by_key(|&i| (self.nodes[i].y.abs_diff(here.y), self.nodes[i].y, i))
        };
        match dir {
            Direction::Up => pos.checked_sub(1).map(|p| col.nodes[p]),
            Direction::Down => col.nodes.get(pos + 1).copied(),
            Direction::Left => {
                // The nearest predecessor sits in some earlier layer; prefer the
                // closest layer, then the closest row.
                let best = self.predecessors(node).iter().copied().max_by_key(|&i| {
                    (
                        self.nodes[i].layer,
                        std::cmp::Reverse(self.nodes[i].y.abs_diff(here.y)),
                    )
                });
                best.or_else(|| {
                    let prev = self.columns.get(here.layer.checked_sub(1)?)?;
                    nearest(&mut prev.nodes.iter().copied())
                })
            }
            Direction::Right => {
                let best =
                    self.successors(node).iter().copied().min_by_key(|&i| {
                        (self.nodes[i].layer, self.nodes[i].y.abs_diff(here.y), i)
                    });
                best.or_else(|| {
                    let next = self.columns.get(here.layer + 1)?;
                    nearest(&mut next.nodes.iter().copied())
                })
            }
        }
    }

    /// The smallest change of `offset` that shows the whole box of `node` (with a little
    /// room for its arrows) in a window of `view` columns × rows.
    pub fn scroll_to_show(&self, node: usize, view: (u16, u16), offset: (u32, u32)) -> (u32, u32) {
        let Some(b) = self.nodes.get(node) else {
            return offset;
        };
        let axis = |start: u32, len: u32, view: u32, margin: u32, off: u32| -> u32 {
            let lo = start.saturating_sub(margin);
            let hi = start.saturating_add(len).saturating_add(margin);
            if lo < off || hi.saturating_sub(lo) > view {
                lo
            } else if hi > off.saturating_add(view) {
                hi - view
            } else {
                off
            }
        };
        let x = axis(b.x, b.width, u32::from(view.0), GAP_BASE, offset.0);
        let y = axis(b.y, b.height, u32::from(view.1), 1, offset.1);
        self.clamp_offset((x, y), view)
    }

    /// `offset` limited so the window does not scroll past the drawing.
    pub fn clamp_offset(&self, offset: (u32, u32), view: (u16, u16)) -> (u32, u32) {
        (
            offset.0.min(self.width.saturating_sub(u32::from(view.0))),
            offset.1.min(self.height.saturating_sub(u32::from(view.1))),
        )
    }

    /// Indexes of the columns that may have something in `[x0, x1)`.
    pub(crate) fn visible_columns(&self, x0: u32, x1: u32) -> Range<usize> {
        // A gap's lines reach one cell into the next column (up to `x + width + gap`
        // inclusive), so a column whose gap ends right at `x0` still counts.
        let start = self.columns.partition_point(|c| c.x + c.width + c.gap < x0);
        let end = self.columns.partition_point(|c| c.x < x1);
        start..end.max(start)
    }
}

fn seg(x0: u32, y0: u32, x1: u32, y1: u32, edge: usize) -> Segment {
    Segment {
        x0: x0.min(x1),
        y0: y0.min(y1),
        x1: x0.max(x1),
        y1: y0.max(y1),
        edge,
    }
}

/// Removes the edges that close a cycle (DFS back edges), so a draft with a cycle still
/// draws; the rest of the graph is unchanged.
fn drop_cycle_edges(
    n: usize,
    graph: &Graph,
    mut pairs: Vec<(usize, usize)>,
) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut back = HashSet::new();
    // Iterative: a long chain must not overflow the stack.
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::OnPath;
        let mut path = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = path.last_mut() {
            if let Some(&w) = graph.successors(v).get(*next) {
                *next += 1;
                match mark[w] {
                    Mark::New => {
                        mark[w] = Mark::OnPath;
                        path.push((w, 0));
                    }
                    Mark::OnPath => {
                        back.insert((v, w));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[v] = Mark::Done;
                path.pop();
            }
        }
    }
    pairs.retain(|p| !back.contains(p));
    pairs
}

/// Longest-path layering puts every source in layer 0; a source feeding only a deep task
/// (a lookup table read at the end, say) is better drawn just before it: its edge gets
/// shorter and no other edge gets longer.
fn pull_sources_right(graph: &Graph, pairs: &[(usize, usize)], layer: &mut [usize]) {
    let mut has_pred = vec![false; layer.len()];
    for &(_, b) in pairs {
        has_pred[b] = true;
    }
    for v in 0..layer.len() {
        if has_pred[v] {
            continue;
        }
        if let Some(first) = graph.successors(v).iter().map(|&s| layer[s]).min() {
            // Successors of a source are never sources, so their layers are final.
            layer[v] = first.saturating_sub(1).max(layer[v]);
        }
    }
}

/// Barycenter sweeps, keeping the best order seen.
fn reduce_crossings(lnodes: &[LNode], order: &mut [Vec<usize>]) {
    let mut pos = vec![0usize; lnodes.len()];
    let sync = |order: &[Vec<usize>], pos: &mut [usize]| {
        for layer in order {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    sync(order, &mut pos);
    let mut best = order.to_vec();
    let mut best_crossings = crossings(lnodes, order, &pos);
    let layers = order.len();
    for _ in 0..ORDER_PASSES {
        if best_crossings == 0 {
            break;
        }
        for down in [true, false] {
            let sequence: Vec<usize> = if down {
                (1..layers).collect()
            } else {
                (0..layers.saturating_sub(1)).rev().collect()
            };
            for l in sequence {
                let mut keyed: Vec<(f64, usize, usize)> = order[l]
                    .iter()
                    .map(|&v| {
                        let (this_side, other_side) = if down {
                            (&lnodes[v].preds, &lnodes[v].succs)
                        } else {
                            (&lnodes[v].succs, &lnodes[v].preds)
                        };
                        // A node with no neighbour on this side follows its neighbours on
                        // the other side (a source next to the task it feeds); a task with
                        // no edges at all sinks below the connected ones, where it cannot
                        // stretch anybody's edges.
                        let nb = if this_side.is_empty() {
                            other_side
                        } else {
                            this_side
                        };
                        // Positions are scaled to this layer's size, so a neighbour in
                        // the middle of a short layer pulls to the middle of a long one.
                        let here = order[l].len() as f64;
                        let key = if nb.is_empty() {
                            f64::INFINITY
                        } else {
                            nb.iter()
                                .map(|&(u, _)| {
                                    let there = order[lnodes[u].layer].len() as f64;
                                    (pos[u] as f64 + 0.5) / there * here - 0.5
                                })
                                .sum::<f64>()
                                / nb.len() as f64
                        };
                        (key, pos[v], v)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                order[l] = keyed.iter().map(|k| k.2).collect();
                for (i, &v) in order[l].iter().enumerate() {
                    pos[v] = i;
                }
            }
            let c = crossings(lnodes, order, &pos);
            if c < best_crossings {
                best_crossings = c;
                best = order.to_vec();
            }
        }
    }
    order.clone_from_slice(&best);
    sync(order, &mut pos);
    transpose(lnodes, order, &mut pos);
}

/// Local refinement after the sweeps (as in Graphviz dot): swap two neighbours in a
/// layer whenever that strictly removes crossings with both adjacent layers. Strict, so
/// it terminates; bounded, so a pathological flow cannot stall a frame.
fn transpose(lnodes: &[LNode], order: &mut [Vec<usize>], pos: &mut [usize]) {
    // Crossings among the edges of `a` and `b` (a left of b) on one side.
    let pair = |a: &[(usize, usize)], b: &[(usize, usize)], pos: &[usize]| {
        let (mut keep, mut swap) = (0usize, 0usize);
        for &(x, _) in a {
            for &(y, _) in b {
                match pos[x].cmp(&pos[y]) {
                    std::cmp::Ordering::Greater => keep += 1,
                    std::cmp::Ordering::Less => swap += 1,
                    std::cmp::Ordering::Equal => {}
                }
            }
        }
        (keep, swap)
    };
    for _ in 0..TRANSPOSE_ROUNDS {
        let mut improved = false;
        for layer in order.iter_mut() {
            for i in 1..layer.len() {
                let (a, b) = (layer[i - 1], layer[i]);
                let (k1, s1) = pair(&lnodes[a].preds, &lnodes[b].preds, pos);
                let (k2, s2) = pair(&lnodes[a].succs, &lnodes[b].succs, pos);
                if s1 + s2 < k1 + k2 {
                    layer.swap(i - 1, i);
                    pos[a] = i;
                    pos[b] = i - 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Edge crossings between adjacent layers, counted as inversions (Fenwick tree).
fn crossings(lnodes: &[LNode], order: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    let mut ends: Vec<(usize, usize)> = Vec::new();
    for l in 0..order.len().saturating_sub(1) {
        ends.clear();
        for &u in &order[l] {
            for &(v, _) in &lnodes[u].succs {
                ends.push((pos[u], pos[v]));
            }
        }
        ends.sort_unstable();
        let size = order[l + 1].len();
        let mut tree = vec![0usize; size + 1];
        for (seen, &(_, p)) in ends.iter().enumerate() {
            // Earlier edges ending strictly right of this one cross it.
            let mut not_greater = 0;
            let mut i = p + 1;
            while i > 0 {
                not_greater += tree[i];
                i &= i - 1;
            }
            total += seen - not_greater;
            let mut i = p + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Top rows of every layered node, smallest row 0.
fn assign_rows(lnodes: &[LNode], order: &[Vec<usize>]) -> Vec<i64> {
    let mut ys = vec![0i64; lnodes.len()];
    for layer in order {
        let mut y = 0;
        for &v in layer {
            ys[v] = y;
            y += lnodes[v].height() + STACK_GAP;
        }
    }
    let layers = order.len();
    let mut scratch = Scratch::default();
    for _ in 0..PLACE_PASSES {
        let mut moved = false;
        for down in [true, false] {
            let sequence: Vec<usize> = if down {
                (1..layers).collect()
            } else {
                (0..layers.saturating_sub(1)).rev().collect()
            };
            for l in sequence {
                moved |= place_layer(lnodes, &order[l], &mut ys, down, &mut scratch);
            }
        }
        if !moved {
            break;
        }
    }
    // A final downward pass: reading left to right, a chain then leaves its source
    // straight even where the upward pass had to compromise.
    for layer in order.iter().skip(1) {
        place_layer(lnodes, layer, &mut ys, true, &mut scratch);
    }
    let min = ys.iter().copied().min().unwrap_or(0);
    for y in &mut ys {
        *y -= min;
    }
    ys
}

/// Buffers reused by every `place_layer` call: a large flow has thousands of layers.
#[derive(Default)]
struct Scratch {
    offsets: Vec<i64>,
    pulls: Vec<(f64, f64)>,
    /// Members `(value, weight)` of all pooled blocks, block after block, each block's
    /// members sorted by value.
    members: Vec<(f64, f64)>,
    merged: Vec<(f64, f64)>,
    /// Per block: first member, member count (= node count) and fitted value.
    blocks: Vec<(usize, usize, f64)>,
}

/// Places one layer's nodes as close as the order and spacing allow to the rows their
/// neighbours on one side pull them to: isotonic regression (pool adjacent violators) on
/// the rows shifted by each node's minimum offset from the first. The fit is L1 (a
/// pooled block takes its weighted median), so a light pull never drags a heavy node
/// off its row by a fraction that rounding turns into a visible kink. Returns whether a
/// node moved.
fn place_layer(
    lnodes: &[LNode],
    layer: &[usize],
    ys: &mut [i64],
    down: bool,
    scratch: &mut Scratch,
) -> bool {
    let Scratch {
        offsets,
        pulls,
        members,
        merged,
        blocks,
    } = scratch;
    offsets.clear();
    members.clear();
    blocks.clear();
    let mut acc = 0i64;
    for &v in layer {
        offsets.push(acc);
        acc += lnodes[v].height() + STACK_GAP;
    }
    for (i, &v) in layer.iter().enumerate() {
        let node = &lnodes[v];
        let nb = if down { &node.preds } else { &node.succs };
        let (desired_port, weight) = if nb.is_empty() {
            // Free nodes stay put, weakly, so they do not pull their neighbours.
            ((ys[v] + node.port()) as f64, 0.25)
        } else {
            // Each edge pulls with a weight: hardest between two dummies (long edges stay
            // straight), then between two tasks (the main chain stays straight), least
            // where a long edge starts or ends (that is where it bends).
            pulls.clear();
            pulls.extend(nb.iter().map(|&(u, _)| {
                let w = match (node.task.is_some(), lnodes[u].task.is_some()) {
                    (false, false) => 4.0,
                    (true, true) => 1.0,
                    _ => 0.2,
                };
                ((ys[u] + lnodes[u].port()) as f64, w)
            }));
            let total = pulls.iter().map(|p| p.1).sum::<f64>();
            (weighted_median(pulls, total), total)
        };
        let value = desired_port - node.port() as f64 - offsets[i] as f64;
        blocks.push((members.len(), 1, value));
        members.push((value, weight));
        // Pool while the last two blocks are out of order; adjacent blocks have adjacent
        // member ranges, so pooling merges two sorted runs in place.
        while blocks.len() >= 2 && blocks[blocks.len() - 2].2 > blocks[blocks.len() - 1].2 {
            let (_, n2, _) = blocks.pop().unwrap_or_default();
            let (start, n1, _) = blocks.pop().unwrap_or_default();
            let (lower, upper) = members[start..start + n1 + n2].split_at(n1);
            merged.clear();
            merge_sorted(lower, upper, merged);
            members[start..start + n1 + n2].copy_from_slice(merged);
            let total = merged.iter().map(|m| m.1).sum::<f64>();
            let fit = weighted_median(&mut members[start..start + n1 + n2], total);
            blocks.push((start, n1 + n2, fit));
        }
    }
    let mut moved = false;
    let mut i = 0;
    for &(_, count, fit) in blocks.iter() {
        // Rounding is monotone, so the order and spacing survive it.
        let z = fit.round() as i64;
        for _ in 0..count {
            let y = z + offsets[i];
            moved |= ys[layer[i]] != y;
            ys[layer[i]] = y;
            i += 1;
        }
    }
    moved
}

/// Two runs sorted by value, merged into `out`.
fn merge_sorted(a: &[(f64, f64)], b: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].0 <= b[j].0 {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// The row with half the weight on either side; between the two middle rows when the
/// halves are even. A median rather than a mean, so a node lines up exactly with its
/// main neighbour instead of landing between rows.
fn weighted_median(pulls: &mut [(f64, f64)], total: f64) -> f64 {
    pulls.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = total / 2.0;
    let mut acc = 0.0;
    for (i, &(row, w)) in pulls.iter().enumerate() {
        acc += w;
        if (acc - half).abs() < 1e-9 {
            let next = pulls.get(i + 1).map_or(row, |p| p.0);
            return (row + next) / 2.0;
        }
        if acc > half {
            return row;
        }
    }
    pulls.last().map_or(0.0, |p| p.0)
}

/// The edges leaving one node into the next layer, and the track they turn on.
struct GapSource {
    /// Its targets are the node's `succs`.
    node: usize,
    /// Column index among the gap's tracks; `None` when every target is on the
    /// source's own row and the line runs straight.
    track: Option<usize>,
}

fn track_count(gap: &[GapSource]) -> u32 {
    gap.iter()
        .filter_map(|s| s.track)
        .max()
        .map_or(0, |t| u32::try_from(t + 1).unwrap_or(u32::MAX))
}

/// Assigns routing tracks in the gap after layer `l`. Sources sharing a track must not
/// overlap in rows. Besides, where a bending source's row is also the row of a box in the
/// next layer, the source's stub must turn before (left of) the tracks of the box's other
/// feeders: otherwise their line would join the stub before it turns and seem to flow
/// into the source's other edges.
fn route_gap(lnodes: &[LNode], order: &[Vec<usize>], ys: &[i64], l: usize) -> Vec<GapSource> {
    let port = |v: usize| ys[v] + lnodes[v].port();
    let mut sources: Vec<GapSource> = order[l]
        .iter()
        .filter(|&&u| !lnodes[u].succs.is_empty())
        .map(|&u| GapSource {
            node: u,
            track: None,
        })
        .collect();
    let spans: Vec<Option<(i64, i64)>> = sources
        .iter()
        .map(|s| {
            let r = port(s.node);
            let targets = &lnodes[s.node].succs;
            let bent = targets.iter().any(|&(v, _)| port(v) != r);
            bent.then(|| {
                targets
                    .iter()
                    .map(|&(v, _)| port(v))
                    .fold((r, r), |(lo, hi), t| (lo.min(t), hi.max(t)))
            })
        })
        .collect();
    if spans.iter().all(Option::is_none) {
        // Every edge of this gap runs straight (a chain): no tracks, nothing to order.
        return sources;
    }
    let next_at_row: HashMap<i64, usize> = order[l + 1].iter().map(|&v| (port(v), v)).collect();
    let mut feeders: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        for &(v, _) in &lnodes[s.node].succs {
            feeders.entry(v).or_default().push(i);
        }
    }
    // must_precede[i]: sources that must get a track right of source i's track.
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); sources.len()];
    let mut indegree = vec![0usize; sources.len()];
    for (i, s) in sources.iter().enumerate() {
        if spans[i].is_none() {
            continue;
        }
        let Some(&t) = next_at_row.get(&port(s.node)) else {
            continue;
        };
        for &f in feeders.get(&t).map_or(&[][..], Vec::as_slice) {
            if f != i && spans[f].is_some() {
                after[i].push(f);
                indegree[f] += 1;
            }
        }
    }
    // Kahn's order by (span start, span end, position); constraints that form a cycle
    // are given up one source at a time.
    let key = |i: usize| {
        let (lo, hi) = spans[i].unwrap_or((0, 0));
        (lo, hi, i)
    };
    let mut pending: BTreeSet<(i64, i64, usize)> = (0..sources.len())
        .filter(|&i| spans[i].is_some())
        .map(key)
        .collect();
    let mut ready: BTreeSet<(i64, i64, usize)> = pending
        .iter()
        .copied()
        .filter(|k| indegree[k.2] == 0)
        .collect();
    let mut min_track = vec![0usize; sources.len()];
    // A source joining the straight line of another feeder of its box joins it one
    // column further on: at the first track the join would look like a fan-out of the
    // straight source (every fan-out turns there).
    for (i, s) in sources.iter().enumerate() {
        let joins_straight = lnodes[s.node].succs.iter().any(|&(v, _)| {
            feeders
                .get(&v)
                .is_some_and(|fs| fs.iter().any(|&f| f != i && spans[f].is_none()))
        });
        if spans[i].is_some() && joins_straight {
            min_track[i] = 1;
        }
    }
    let mut tracks: Vec<Vec<(i64, i64)>> = Vec::new();
    // Sources on each track, to keep feeders of one box apart.
    let mut on_track: Vec<Vec<usize>> = Vec::new();
    let targets: Vec<HashSet<usize>> = sources
        .iter()
        .map(|s| lnodes[s.node].succs.iter().map(|&(v, _)| v).collect())
        .collect();
    while !pending.is_empty() {
        let next = ready.pop_first().or_else(|| pending.first().copied());
        let Some(k) = next else { break };
        pending.remove(&k);
        let i = k.2;
        let (lo, hi) = spans[i].unwrap_or((0, 0));
        let free = |t: usize| {
            tracks
                .get(t)
                .is_none_or(|t| t.iter().all(|&(a, b)| b < lo || a > hi))
        };
        // Two sources feeding one box merge into one line before its arrow; on adjacent
        // tracks that join would sit right against the other source's corner and read
        // as its junction (extract→load seeming to leave transform). A free column
        // between them keeps the join apart.
        let beside_a_cofeeder = |t: usize| {
            [t.checked_sub(1), Some(t + 1)]
                .into_iter()
                .flatten()
                .filter_map(|n| on_track.get(n))
                .flatten()
                .any(|&j| !targets[i].is_disjoint(&targets[j]))
        };
        let t = (min_track[i]..)
            .find(|&t| free(t) && !beside_a_cofeeder(t))
            .unwrap_or(min_track[i]);
        while tracks.len() <= t {
            tracks.push(Vec::new());
            on_track.push(Vec::new());
        }
        tracks[t].push((lo, hi));
        on_track[t].push(i);
        sources[i].track = Some(t);
        for &f in &after[i] {
            min_track[f] = min_track[f].max(t + 1);
            indegree[f] = indegree[f].saturating_sub(1);
            if indegree[f] == 0 && pending.contains(&key(f)) {
                ready.insert(key(f));
            }
        }
    }
    sources
}

/// A variable id as a box shows it: control characters escaped (`one_line`) and any
/// other character without a width (format characters, combining marks) escaped too, so
/// every character takes at least one column and clipping stays exact.
pub fn label_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c.width() {
            Some(w) if w > 0 => out.push(c),
            _ => out.extend(c.escape_unicode()),
        }
    }
    out
}

/// Display width of text made by [`label_text`].
pub fn text_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if text_width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max.saturating_sub(1) {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_by_columns() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        // Two-column characters: 3 + … would need 7 columns; 2 fit with the ellipsis.
        assert_eq!(truncate("日本語です", 6), "日本…");
    }

    #[test]
    fn labels_have_no_zero_width_or_control_characters() {
        assert_eq!(label_text("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(label_text("a\nb"), "a\\nb");
    }

    #[test]
    fn crossings_are_counted() {
        // Two layers, a→d and b→c with order [a, b] / [c, d]: one crossing.
        let mk = |layer| LNode {
            layer,
            task: Some(0),
            preds: vec![],
            succs: vec![],
        };
        let mut nodes = vec![mk(0), mk(0), mk(1), mk(1)];
        nodes[0].succs.push((3, 0));
        nodes[1].succs.push((2, 1));
        let order = vec![vec![0, 1], vec![2, 3]];
        let pos = vec![0, 1, 0, 1];
        assert_eq!(crossings(&nodes, &order, &pos), 1);
    }
}
