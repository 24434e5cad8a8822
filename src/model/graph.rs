//! Dependency graph questions over task ids: cycles (named), topological order, layers.

use std::collections::{BTreeMap, BTreeSet};

/// A directed graph over `0..n` nodes.
pub struct Graph {
    succ: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Graph {
        let mut succ = vec![Vec::new(); n];
        for (a, b) in edges {
            if a < n && b < n && !succ[a].contains(&b) {
                succ[a].push(b);
            }
        }
        for s in &mut succ {
            s.sort_unstable();
        }
        Graph { succ }
    }

    /// A cycle as a node path whose last node equals the first, if the graph has one.
    pub fn find_cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let n = self.succ.len();
        let mut mark = vec![Mark::New; n];
        // Iterative DFS: a 10,000-task chain must not overflow the stack.
        for root in 0..n {
            if mark[root] != Mark::New {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            mark[root] = Mark::OnPath;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                if let Some(&child) = self.succ[node].get(*next) {
                    *next += 1;
                    match mark[child] {
                        Mark::New => {
                            mark[child] = Mark::OnPath;
                            path.push((child, 0));
                        }
                        Mark::OnPath => {
                            let start = path.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let mut cycle: Vec<usize> =
                                path[start..].iter().map(|(n, _)| *n).collect();
                            cycle.push(child);
                            return Some(cycle);
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    path.pop();
                }
            }
        }
        None
    }

    /// Longest-path layering: every edge goes from a lower layer to a higher one.
    /// `None` when the graph has a cycle.
    pub fn layers(&self) -> Option<Vec<usize>> {
        let order = self.topological_order()?;
        let mut layer = vec![0usize; self.succ.len()];
        for &node in &order {
            for &child in &self.succ[node] {
                layer[child] = layer[child].max(layer[node] + 1);
            }
        }
        Some(layer)
    }

    /// Kahn's algorithm, smallest index first so the order is deterministic.
    pub fn topological_order(&self) -> Option<Vec<usize>> {
        let n = self.succ.len();
        let mut indegree = vec![0usize; n];
        for s in &self.succ {
            for &c in s {
                indegree[c] += 1;
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(node) = ready.pop_first() {
            order.push(node);
            for &c in &self.succ[node] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        (order.len() == n).then_some(order)
    }

    pub fn successors(&self, node: usize) -> &[usize] {
        &self.succ[node]
    }
}

/// Builds a graph from string-keyed edges; returns it with the index of each key.
pub fn graph_of<'a>(
    nodes: impl IntoIterator<Item = &'a str>,
    edges: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Graph, BTreeMap<&'a str, usize>) {
    let index: BTreeMap<&str, usize> = nodes.into_iter().enumerate().map(|(i, n)| (n, i)).collect();
    let pairs: Vec<(usize, usize)> = edges
        .into_iter()
        .filter_map(|(a, b)| Some((*index.get(a)?, *index.get(b)?)))
        .collect();
    (Graph::new(index.len(), pairs), index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_a_named_cycle() {
        let g = Graph::new(4, [(0, 1), (1, 2), (2, 0), (2, 3)]);
        let c = g.find_cycle().unwrap();
        assert_eq!(c.first(), c.last());
        assert_eq!(c.len(), 4);
        assert!(g.topological_order().is_none());
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let n = 100_000;
        let g = Graph::new(n, (0..n - 1).map(|i| (i, i + 1)));
        assert!(g.find_cycle().is_none());
        assert_eq!(g.layers().unwrap()[n - 1], n - 1);
    }

    proptest! {
        /// Edges that only go from a lower to a higher index can never form a cycle, and
        /// the topological order then respects every edge.
        #[test]
        fn forward_edges_are_acyclic(n in 1usize..40, raw in prop::collection::vec((0usize..40, 0usize..40), 0..120)) {
            let edges: Vec<(usize, usize)> = raw.into_iter()
                .map(|(a, b)| (a % n, b % n)).filter(|(a, b)| a < b).collect();
            let g = Graph::new(n, edges.clone());
            prop_assert!(g.find_cycle().is_none());
            let order = g.topological_order().unwrap();
            let pos: Vec<usize> = { let mut p = vec![0; n]; for (i, &x) in order.iter().enumerate() { p[x] = i; } p };
            for (a, b) in edges { prop_assert!(pos[a] < pos[b]); }
        }

        /// Any reported cycle is a real closed walk along existing edges; and a graph
        /// with no reported cycle has a full topological order.
        #[test]
        fn reported_cycles_are_real(n in 1usize..12, raw in prop::collection::vec((0usize..12, 0usize..12), 0..40)) {
            let edges: Vec<(usize, usize)> = raw.into_iter().map(|(a, b)| (a % n, b % n)).collect();
            let g = Graph::new(n, edges.clone());
            match g.find_cycle() {
                Some(c) => {
                    prop_assert_eq!(c.first(), c.last());
                    for w in c.windows(2) { prop_assert!(edges.contains(&(w[0], w[1]))); }
                    prop_assert!(g.topological_order().is_none());
                }
                None => prop_assert_eq!(g.topological_order().map(|o| o.len()), Some(n)),
            }
        }
    }
}
