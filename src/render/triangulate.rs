//! Delaunay triangulation (Bowyer–Watson) of the warp's control points: a few hundred points
//! at most, triangulated once per source image.

/// Triangles (indices into `points`, counter-clockwise in image coordinates with y down,
/// i.e. positive signed area) of the Delaunay triangulation.
pub fn delaunay(points: &[[f32; 2]]) -> Vec<[usize; 3]> {
    let n = points.len();
    if n < 3 {
        return Vec::new();
    }
    let p: Vec<[f64; 2]> = points.iter().map(|q| [q[0] as f64, q[1] as f64]).collect();
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for q in &p {
        for k in 0..2 {
            lo[k] = lo[k].min(q[k]);
            hi[k] = hi[k].max(q[k]);
        }
    }
    let d = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1.0) * 20.0;
    let (cx, cy) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
    let mut all = p.clone();
    all.push([cx - d, cy - d]);
    all.push([cx + d, cy - d]);
    all.push([cx, cy + d]);
    let mut tris: Vec<[usize; 3]> = vec![[n, n + 1, n + 2]];
    for i in 0..n {
        let q = all[i];
        let mut bad = Vec::new();
        let mut keep = Vec::with_capacity(tris.len());
        for t in tris.drain(..) {
            if in_circumcircle(&all, t, q) {
                bad.push(t);
            } else {
                keep.push(t);
            }
        }
        // Edges of the hole: those of bad triangles not shared by two of them.
        let mut edges: Vec<(usize, usize)> = Vec::new();
        for t in &bad {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                if let Some(k) = edges
                    .iter()
                    .position(|&(x, y)| (x == b && y == a) || (x == a && y == b))
                {
                    edges.swap_remove(k);
                } else {
                    edges.push((a, b));
                }
            }
        }
        for (a, b) in edges {
            keep.push(orient(&all, [a, b, i]));
        }
        tris = keep;
    }
    tris.retain(|t| t.iter().all(|&v| v < n));
    tris.retain(|t| signed_area(&all, *t).abs() > 1e-9);
    tris
}

fn signed_area(p: &[[f64; 2]], t: [usize; 3]) -> f64 {
    let (a, b, c) = (p[t[0]], p[t[1]], p[t[2]]);
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

fn orient(p: &[[f64; 2]], t: [usize; 3]) -> [usize; 3] {
    if signed_area(p, t) < 0.0 {
        [t[0], t[2], t[1]]
    } else {
        t
    }
}

fn in_circumcircle(p: &[[f64; 2]], t: [usize; 3], q: [f64; 2]) -> bool {
    let t = orient(p, t);
    let (a, b, c) = (p[t[0]], p[t[1]], p[t[2]]);
    let (ax, ay) = (a[0] - q[0], a[1] - q[1]);
    let (bx, by) = (b[0] - q[0], b[1] - q[1]);
    let (cx, cy) = (c[0] - q[0], c[1] - q[1]);
    let det = (ax * ax + ay * ay) * (bx * cy - cx * by) - (bx * bx + by * by) * (ax * cy - cx * ay)
        + (cx * cx + cy * cy) * (ax * by - bx * ay);
    det > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_covered_exactly() {
        let mut pts = Vec::new();
        for y in 0..5 {
            for x in 0..6 {
                // A little jitter so no four points are cocircular.
                let j = ((x * 7 + y * 13) % 5) as f32 * 0.01;
                pts.push([x as f32 * 10.0 + j, y as f32 * 10.0 - j]);
            }
        }
        let tris = delaunay(&pts);
        // A convex point set of n points with h on the hull has 2n − h − 2 triangles.
        assert_eq!(tris.len(), 2 * 30 - 18 - 2);
        let p: Vec<[f64; 2]> = pts.iter().map(|q| [q[0] as f64, q[1] as f64]).collect();
        let area: f64 = tris.iter().map(|&t| signed_area(&p, t) / 2.0).sum();
        assert!(tris.iter().all(|&t| signed_area(&p, t) > 0.0));
        assert!((area - 50.0 * 40.0).abs() < 1.0, "{area}");
    }
}
