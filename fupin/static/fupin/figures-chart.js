/* Error-bar charts of the four figures: estimate, 95% interval, threshold (and synthetic truth). */
(function () {
  var charts = JSON.parse(document.getElementById('chart-data').textContent);
  var pct = function (v) { return (v * 100).toFixed(2) + '%'; };
  Object.keys(charts).forEach(function (name) {  // one chart per figure, counties in code order
    var c = charts[name];
    var el = document.getElementById('chart-' + name);
    if (!el) { return; }
    el.style.height = Math.max(180, 90 + 36 * c.counties.length) + 'px';
    var chart = echarts.init(el, null, { renderer: 'svg' });
    var series = [{
      type: 'custom', name: '95% 置信区间',
      renderItem: function (params, api) {
        var y = api.value(0), lo = api.coord([api.value(1), y]), hi = api.coord([api.value(2), y]);
        var h = api.size([0, 1])[1] * 0.3, st = { stroke: '#555', lineWidth: 2 };
        return { type: 'group', children: [
          { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: st },
          { type: 'line', shape: { x1: lo[0], y1: lo[1] - h / 2, x2: lo[0], y2: lo[1] + h / 2 }, style: st },
          { type: 'line', shape: { x1: hi[0], y1: hi[1] - h / 2, x2: hi[0], y2: hi[1] + h / 2 }, style: st }] };
      },
      encode: { x: [1, 2], y: 0 },
      data: c.counties.map(function (n, i) { return [i, c.low[i], c.high[i]]; })
    }, {
      type: 'scatter', name: '估计值', symbolSize: 10, itemStyle: { color: '#b71c1c' },
      data: c.estimate.map(function (v, i) { return [v, c.counties[i]]; })
    }, {
      type: 'scatter', name: '阈值', symbol: 'rect', symbolSize: [3, 22], itemStyle: { color: '#1565c0' },
      data: c.thresholds.map(function (v, i) { return [v, c.counties[i]]; })
    }];
    if (c.truth.some(function (v) { return v !== null; })) {
      series.push({ type: 'scatter', name: '合成真值', symbol: 'diamond', symbolSize: 9, itemStyle: { color: '#6a1b9a' },
        data: c.truth.map(function (v, i) { return v === null ? null : [v, c.counties[i]]; }) });
    }
    chart.setOption({
      animation: false,  // a report is read and printed, not watched
      title: { text: c.label, left: 'center' },
      textStyle: { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", sans-serif' },
      legend: { bottom: 0 },
      tooltip: { trigger: 'item', formatter: function (p) { return p.seriesName + '：' + (Array.isArray(p.value) ? p.value.slice(p.seriesType === 'custom' ? 1 : 0, p.seriesType === 'custom' ? 3 : 1).map(pct).join(' – ') : ''); } },
      grid: { left: 110, right: 40, top: 40, bottom: 50 },
      xAxis: { type: 'value', scale: true, axisLabel: { formatter: function (v) { return (v * 100).toFixed(1) + '%'; } } },
      yAxis: { type: 'category', data: c.counties, inverse: true, axisLabel: { interval: 0 } },
      series: series
    });
  });
})();
