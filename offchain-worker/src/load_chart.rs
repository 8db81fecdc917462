//! The load generator's chart: executed throughput and latency (p50, p99) against the offered
//! rate, plain transfers beside encrypted ones, as SVG.

use crate::load::{Mode, Report, RunReport};
use plotters::prelude::*;

const PLAIN: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ENCRYPTED: RGBColor = RGBColor(0xd6, 0x27, 0x28);

fn series(report: &Report, mode: Mode, y: impl Fn(&RunReport) -> f64) -> Vec<(f64, f64)> {
	let mut points: Vec<(f64, f64)> =
		report.runs.iter().filter(|r| r.mode == Some(mode)).map(|r| (r.offered, y(r))).collect();
	points.sort_by(|a, b| a.0.total_cmp(&b.0));
	points
}

fn top(values: impl Iterator<Item = f64>) -> f64 {
	values.fold(0.0_f64, f64::max).max(1.0) * 1.1
}

/// A line: its label, colour, points and whether it is dashed.
type Line = (String, RGBColor, Vec<(f64, f64)>, bool);

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn panel(
	area: &Area<'_>,
	title: &str,
	y_desc: &str,
	lines: &[Line],
	legend: SeriesLabelPosition,
) -> Result<(), String> {
	let e = |e: DrawingAreaErrorKind<_>| e.to_string();
	let max_x = top(lines.iter().flat_map(|l| l.2.iter().map(|p| p.0)));
	let max_y = top(lines.iter().flat_map(|l| l.2.iter().map(|p| p.1)));
	let mut chart = ChartBuilder::on(area)
		.caption(title, ("sans-serif", 18))
		.margin(12)
		.x_label_area_size(40)
		.y_label_area_size(60)
		.build_cartesian_2d(0.0..max_x, 0.0..max_y)
		.map_err(e)?;
	chart
		.configure_mesh()
		.x_desc("offered load (transactions/s)")
		.y_desc(y_desc)
		.x_label_formatter(&|x| format!("{x:.0}"))
		.y_label_formatter(&|y| if max_y > 10.0 { format!("{y:.0}") } else { format!("{y:.1}") })
		.draw()
		.map_err(e)?;
	for (label, color, points, dashed) in lines {
		let style = ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: 2 };
		let line: Vec<(f64, f64)> = points.clone();
		let drawn = if *dashed {
			chart.draw_series(DashedLineSeries::new(line, 6, 4, style)).map_err(e)?
		} else {
			chart.draw_series(LineSeries::new(line, style)).map_err(e)?
		};
		let c = *color;
		drawn
			.label(label.as_str())
			.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
		chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled()))).map_err(e)?;
	}
	chart
		.configure_series_labels()
		.position(legend)
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(e)?;
	Ok(())
}

/// Writes the chart of `report` to `path`.
pub fn draw(report: &Report, path: &std::path::Path) -> Result<(), String> {
	let root = SVGBackend::new(path, (1200, 480)).into_drawing_area();
	root.fill(&WHITE).map_err(|e| e.to_string())?;
	let (left, right) = root.split_horizontally(600);
	let modes = [(Mode::Plain, "plain", PLAIN), (Mode::Encrypted, "encrypted", ENCRYPTED)];
	let throughput: Vec<_> = modes
		.iter()
		.map(|(m, n, c)| (n.to_string(), *c, series(report, *m, |r| r.throughput), false))
		.collect();
	let (upper_left, lower_right) =
		(SeriesLabelPosition::UpperLeft, SeriesLabelPosition::LowerRight);
	panel(&left, "Executed throughput", "executed (transactions/s)", &throughput, upper_left)?;
	let latency: Vec<_> = modes
		.iter()
		.flat_map(|(m, n, c)| {
			[
				(format!("{n} p50"), *c, series(report, *m, |r| r.latency_seconds.p50), false),
				(format!("{n} p99"), *c, series(report, *m, |r| r.latency_seconds.p99), true),
			]
		})
		.collect();
	panel(&right, "Latency, submission to outcome", "seconds", &latency, lower_right)?;
	root.present().map_err(|e| e.to_string())
}
