/* 村村5张图: a village's five charts (distribution, causes, entries and exits, the village's exit
   targets, the households' targets). Data and Chinese text come from the page (json_script
   "village-charts-data"). SVG rendering keeps labels as text, so the printed sheet is sharp;
   before printing every chart is redrawn at the sheet's size (500 × 280) and restored after. */
(function () {
  var source = document.getElementById('village-charts-data');
  if (!source || typeof echarts === 'undefined') { return; }
  var d = JSON.parse(source.textContent);
  var t = d.text;
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var PALETTE = ['#b71c1c', '#2e7d32', '#ef6c00', '#616161', '#1565c0', '#6a1b9a'];
  var PRINT = { width: 500, height: 280 };
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    option.animation = false;
    option.textStyle = { fontFamily: FONT };
    option.color = option.color || PALETTE;
    chart.setOption(option);
    el.setAttribute('data-rendered', 'true');
    charts.push(chart);
    return chart;
  }

  function empty(title) {
    return { title: { text: title, left: 'center', textStyle: { fontSize: 14 },
                      subtext: t.no_data, top: 'middle' } };
  }

  function title(text) { return { text: text, left: 'center', textStyle: { fontSize: 14 } }; }

  function years(list) { return list.map(function (y) { return y + '年'; }); }

  // ① Where the poor are: registered households by status, stacked by attribute.
  var dist = d.distribution;
  var distTotal = dist.series.reduce(function (a, s) {
    return a + s.counts.reduce(function (x, y) { return x + y; }, 0);
  }, 0);
  if (distTotal) {
    draw('chart-distribution', {
      title: title(t.distribution),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0 },
      grid: { left: 55, right: 30, top: 45, bottom: 55 },
      xAxis: { type: 'category', data: dist.statuses.map(function (s) { return s.label; }), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', name: t.households, minInterval: 1 },
      series: dist.series.map(function (s) {
        return { type: 'bar', stack: 'households', name: s.label, data: s.counts,
                 label: { show: true, formatter: function (p) { return p.value || ''; } } };
      })
    });
  } else {
    draw('chart-distribution', empty(t.distribution));
  }

  // ② Causes, most common at the top.
  if (d.causes.length) {
    var causes = d.causes.slice().reverse();
    draw('chart-causes', {
      title: title(t.causes),
      tooltip: { trigger: 'item', formatter: function (p) {
        var c = causes[p.dataIndex];
        return c.label + '：' + c.households + ' 户，' + c.people + ' 人';
      } },
      grid: { left: 120, right: 40, top: 45, bottom: 30 },
      xAxis: { type: 'value', name: t.households, minInterval: 1 },
      yAxis: { type: 'category', data: causes.map(function (c) { return c.label; }), axisLabel: { interval: 0 } },
      series: [{ type: 'bar', name: t.households, itemStyle: { color: '#b71c1c' },
                 label: { show: true, position: 'right' },
                 data: causes.map(function (c) { return c.households; }) }]
    });
  } else {
    draw('chart-causes', empty(t.causes));
  }

  // ③ Entries and exits by year.
  if (d.events.years.length) {
    draw('chart-events', {
      title: title(t.events),
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 55, right: 50, top: 45, bottom: 55 },
      xAxis: { type: 'category', name: t.year, data: years(d.events.years) },
      yAxis: { type: 'value', name: t.households, minInterval: 1 },
      series: d.events.series.map(function (s) { return { type: 'bar', name: s.label, data: s.counts }; })
    });
  } else {
    draw('chart-events', empty(t.events));
  }

  // ④ The village's exit targets: households planned to exit each year against actual exits.
  var et = d.exit_targets;
  if (et.years.length) {
    var labels = years(et.years);
    var planned = { type: 'bar', name: t.planned, data: et.planned, itemStyle: { color: '#1565c0' },
                    label: { show: true, position: 'top', formatter: function (p) { return p.value || ''; } } };
    if (et.village_exit_year) {
      planned.markLine = { symbol: 'none', lineStyle: { color: '#b71c1c', type: 'dashed' },
                           label: { formatter: t.village_exit + ' ' + et.village_exit_year + '年' },
                           data: [{ xAxis: et.village_exit_year + '年' }] };
    }
    draw('chart-exit-targets', {
      title: title(t.exit_targets),
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 55, right: 50, top: 65, bottom: 55 },
      xAxis: { type: 'category', name: t.year, data: labels },
      yAxis: { type: 'value', name: t.households, minInterval: 1 },
      series: [planned,
               { type: 'bar', name: t.actual, data: et.actual, itemStyle: { color: '#2e7d32' },
                 label: { show: true, position: 'top', formatter: function (p) { return p.value || ''; } } }]
    });
  } else {
    draw('chart-exit-targets', empty(t.exit_targets));
  }

  // ⑤ The households' targets: by target year, how many exited on time, late, are on track or behind.
  var ht = d.household_targets;
  var COLOURS = { exited_on_time: '#2e7d32', exited_late: '#ef6c00', on_track: '#1565c0', behind: '#b71c1c' };
  if (ht.target_years.length) {
    draw('chart-household-targets', {
      title: title(t.household_targets),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0 },
      grid: { left: 55, right: 30, top: 45, bottom: 70 },
      xAxis: { type: 'category', name: t.target_year, nameLocation: 'middle', nameGap: 28,
               data: years(ht.target_years) },
      yAxis: { type: 'value', name: t.households, minInterval: 1 },
      series: ht.series.map(function (s) {
        return { type: 'bar', stack: 'state', name: s.label, data: s.counts,
                 itemStyle: { color: COLOURS[s.state] },
                 label: { show: true, formatter: function (p) { return p.value || ''; } } };
      })
    });
  } else {
    draw('chart-household-targets', empty(t.household_targets));
  }

  function fit() { charts.forEach(function (c) { c.resize(); }); }
  function forPrint() { charts.forEach(function (c) { c.resize(PRINT); }); }
  window.addEventListener('resize', fit);
  window.addEventListener('beforeprint', forPrint);
  window.addEventListener('afterprint', fit);
  var button = document.getElementById('print-sheet');
  if (button) { button.addEventListener('click', function () { forPrint(); window.print(); }); }
})();
