// ECharts, only the parts the console draws: bars per child tenant, a trend line, the county map.
import { BarChart, LineChart, MapChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, MapChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

const charts = new Set<echarts.ECharts>();

function make(element: HTMLElement): echarts.ECharts {
  const chart = echarts.init(element, undefined, { renderer: "canvas" });
  // Figures appear at once and stay put on resize (and in screenshots): no entry animation.
  chart.setOption({ animation: false });
  charts.add(chart);
  return chart;
}

/** Drop the charts of the previous view (they hold listeners and canvases). */
export function disposeCharts(): void {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

export interface Point {
  label: string;
  value: number | null;
}

const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export function barChart(element: HTMLElement, points: Point[], target: number | null, ratio: boolean): void {
  const chart = make(element);
  chart.setOption({
    grid: { left: 48, right: 16, top: 24, bottom: 72 },
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => (ratio ? percent(v as number) : String(v)) },
    xAxis: { type: "category", data: points.map((p) => p.label), axisLabel: { rotate: points.length > 6 ? 35 : 0, interval: 0 } },
    yAxis: { type: "value", max: ratio ? 1 : undefined, axisLabel: { formatter: (v: number) => (ratio ? `${Math.round(v * 100)}%` : String(v)) } },
    series: [
      {
        type: "bar",
        data: points.map((p) => p.value),
        itemStyle: { color: "#2f7d6d" },
        markLine: target === null ? undefined : { symbol: "none", data: [{ yAxis: target }], lineStyle: { color: "#c0392b", type: "dashed" }, label: { formatter: ratio ? percent(target) : String(target) } },
      },
    ],
  });
}

export function trendChart(element: HTMLElement, points: Point[], ratio: boolean): void {
  const chart = make(element);
  chart.setOption({
    grid: { left: 48, right: 16, top: 24, bottom: 32 },
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => (ratio ? percent(v as number) : String(v)) },
    xAxis: { type: "category", data: points.map((p) => p.label) },
    yAxis: { type: "value", min: 0, max: ratio ? 1 : undefined, axisLabel: { formatter: (v: number) => (ratio ? `${Math.round(v * 100)}%` : String(v)) } },
    series: [{ type: "line", data: points.map((p) => p.value), symbolSize: 8, lineStyle: { color: "#2f7d6d" }, itemStyle: { color: "#2f7d6d" } }],
  });
}

export function countyMap(element: HTMLElement, mapName: string, geojson: object, values: { name: string; value: number | null }[], ratio: boolean, onPick: (name: string) => void): void {
  if (!echarts.getMap(mapName)) echarts.registerMap(mapName, geojson as never);
  const chart = make(element);
  const known = values.filter((v) => v.value !== null).map((v) => v.value as number);
  chart.setOption({
    tooltip: { trigger: "item", formatter: (p: { name: string; value: number }) => `${p.name}: ${ratio ? percent(Number.isFinite(p.value) ? p.value : null) : p.value ?? "—"}` },
    visualMap: { min: known.length ? Math.min(...known) : 0, max: known.length ? Math.max(...known, 0.0001) : 1, left: 8, bottom: 8, calculable: true, inRange: { color: ["#f3d9a4", "#7fbf9f", "#1f6f5f"] }, formatter: (v: number) => (ratio ? percent(v) : v.toFixed(1)) },
    series: [{ type: "map", map: mapName, nameProperty: "name", roam: false, label: { show: true, fontSize: 11, color: "#fff", textBorderColor: "#1d2b2a", textBorderWidth: 2 }, data: values }],
  });
  chart.on("click", (params) => onPick((params as { name: string }).name));
}
