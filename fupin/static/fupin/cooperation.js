/* A cooperation pair's year: completion per indicator against target for each side, the ledger's
   statuses and the year-over-year multiples. Data and Chinese text come from the page (json_script
   "cooperation-data"); SVG renderer, no animation, a CJK font so that labels print sharp. */
(function () {
  var source = document.getElementById('cooperation-data');
  if (!source || typeof echarts === 'undefined') { return; }
  var d = JSON.parse(source.textContent);
  var t = d.text;
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    option.animation = false;
    option.textStyle = { fontFamily: FONT };
    chart.setOption(option);
    el.setAttribute('data-rendered', 'true');
    charts.push(chart);
  }

  function title(text) { return { text: text, left: 'center', textStyle: { fontSize: 14 } }; }

  function empty(text) {
    return { title: { text: text, left: 'center', top: 'middle', subtext: t.no_data,
                      textStyle: { fontSize: 14 } } };
  }

  function colour(v) {
    if (v === null) { return '#9e9e9e'; }
    return v >= 100 ? '#2e7d32' : (v > 0 ? '#ef6c00' : '#b71c1c');
  }

  // Every category label is shown (interval 0) and wraps; the chart grows with the rows.
  function fit(id, rows) {
    var el = document.getElementById(id);
    if (el) { el.style.height = Math.max(300, 34 * rows + 70) + 'px'; }
  }

  d.sides.forEach(function (s) {
    var id = 'chart-completion-' + s.side;
    var name = s.label + ' · ' + t.completion;
    if (!s.codes.length) { draw(id, empty(name)); return; }
    fit(id, s.codes.length);
    draw(id, {
      title: title(name),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 150, right: 40, top: 40, bottom: 30 },
      xAxis: { type: 'value', max: function (v) { return Math.max(120, Math.ceil(v.max / 10) * 10); } },
      yAxis: { type: 'category', inverse: true, data: s.codes,
               axisLabel: { interval: 0, width: 140, overflow: 'break', lineHeight: 14 } },
      series: [{
        type: 'bar', name: t.completion,
        data: s.completion.map(function (v) {
          return { value: v === null ? 0 : v, itemStyle: { color: colour(v) } };
        }),
        label: { show: true, position: 'right', formatter: '{c}%' },
        markLine: { symbol: 'none', silent: true, data: [{ xAxis: 100, name: t.target }],
                    lineStyle: { color: '#1565c0', type: 'dashed' }, label: { formatter: t.target } }
      }]
    });
  });

  var total = d.statuses.reduce(function (a, s) { return a + s.count; }, 0);
  if (total) {
    draw('chart-statuses', {
      title: title(t.statuses),
      tooltip: { trigger: 'item' },
      legend: { bottom: 0 },
      color: ['#ef6c00', '#2e7d32', '#b71c1c', '#1565c0', '#9e9e9e'],
      series: [{ type: 'pie', radius: ['35%', '60%'],
                 data: d.statuses.map(function (s) { return { name: s.label, value: s.count }; }),
                 label: { formatter: '{b}: {c}' } }]
    });
  } else {
    draw('chart-statuses', empty(t.statuses));
  }

  if (d.multiples.length) {
    fit('chart-multiples', d.multiples.length);
    draw('chart-multiples', {
      title: title(t.multiples),
      tooltip: { trigger: 'axis' },
      grid: { left: 150, right: 40, top: 40, bottom: 30 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: d.multiples.map(function (m) { return m.name; }),
               axisLabel: { interval: 0, width: 140, overflow: 'break', lineHeight: 14 } },
      series: [{ type: 'bar', data: d.multiples.map(function (m) { return m.multiple; }),
                 label: { show: true, position: 'right', formatter: '{c}×' }, color: '#1565c0' }]
    });
  } else {
    draw('chart-multiples', empty(t.multiples));
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
}());
