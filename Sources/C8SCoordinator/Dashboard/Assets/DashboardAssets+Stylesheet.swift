extension DashboardAssets {
    static let stylesheet = ##"""
        :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
          --succeeded: #2da44e; --failed: #cf222e; --running: #d4a72c; --pending: #afb8c1; --cancelled: #6e7781;
          --skipped: #d0d7de; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
          background: var(--bg); }
        header.top { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #24292f;
          color: #fff; }
        header.top a { color: #fff; text-decoration: none; }
        header.top a[aria-current] { text-decoration: underline; }
        header.top .brand { font-weight: 700; font-size: 16px; }
        header.top nav { display: flex; gap: 12px; flex: 1; }
        header.top .user { color: #d0d7de; }
        main { padding: 12px 16px; }
        h1 { font-size: 20px; margin: 8px 0 12px; } h2 { font-size: 16px; margin: 16px 0 8px; }
        form.inline { display: inline-flex; gap: 6px; align-items: center; margin: 0; }
        button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px;
          background: var(--panel); cursor: pointer; }
        button.primary { background: #1f883d; color: #fff; border-color: #1a7f37; }
        button.danger { background: #fff; color: var(--failed); border-color: var(--failed); }
        input, select, textarea { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; }
        .filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
        .filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        table.grid { border-collapse: collapse; width: 100%; }
        table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
          vertical-align: top; }
        table.grid th { background: var(--panel); font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.child td:first-child { padding-left: 28px; }
        button.expand { padding: 0 6px; font-size: 12px; }
        .combo, .muted { color: var(--muted); }
        .aggregate { font-size: 12px; color: var(--muted); }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
          color: #fff; background: var(--pending); }
        .badge.phase-succeeded { background: var(--succeeded); } .badge.phase-failed { background: var(--failed); }
        .badge.phase-running { background: var(--running); color: #1f2328; }
        .badge.phase-pending { background: var(--pending); color: #1f2328; }
        .badge.phase-cancelled { background: var(--cancelled); }
        .badge.phase-skipped { background: var(--skipped); color: #1f2328; }
        .summary dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
        .summary dt { color: var(--muted); } .summary dd { margin: 0; }
        .actions { display: flex; gap: 8px; }
        .crumbs { margin: 0; color: var(--muted); }
        .dag-box { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 8px;
          background: var(--panel); }
        svg.dag .node rect { stroke: rgba(0,0,0,.25); stroke-width: 1; fill: var(--pending); }
        svg.dag .node.phase-succeeded rect { fill: var(--succeeded); }
        svg.dag .node.phase-failed rect { fill: var(--failed); }
        svg.dag .node.phase-running rect { fill: var(--running); }
        svg.dag .node.phase-pending rect { fill: var(--pending); }
        svg.dag .node.phase-cancelled rect { fill: var(--cancelled); }
        svg.dag .node.phase-skipped rect { fill: var(--skipped); }
        svg.dag .node text { fill: #fff; font-size: 12px; }
        svg.dag .node text.name { font-weight: 600; font-size: 13px; }
        svg.dag .node.phase-running text, svg.dag .node.phase-pending text,
          svg.dag .node.phase-skipped text { fill: #1f2328; }
        svg.dag .edge { fill: none; stroke: #8c959f; stroke-width: 1.5; } svg.dag .arrowhead { fill: #8c959f; }
        .login { max-width: 560px; } .login form { display: flex; flex-direction: column; gap: 8px; }
        .error { color: var(--failed); font-weight: 600; }
        .problem h1 { color: var(--failed); }
        .logbar { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; margin-bottom: 6px; }
        .log { position: relative; height: 68vh; overflow-y: auto; overflow-x: auto; background: #0d1117;
          color: #e6edf3; border-radius: 6px;
          font: 12.5px/18px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        .log .spacer { width: 1px; }
        .log .rows { position: absolute; top: 0; left: 0; min-width: 100%; will-change: transform; }
        .log .row { height: 18px; white-space: pre; display: flex; }
        .log .row.hit { background: #3b3000; } .log .row.pending .tx { color: #6e7681; }
        .log .ln { display: inline-block; min-width: 64px; padding-right: 12px; text-align: right; color: #6e7681;
          text-decoration: none; user-select: none; flex: none; }
        .log .ln:hover { color: #e6edf3; }
        .log .ts { display: none; color: #7d8590; padding-right: 10px; flex: none; }
        .log.show-ts .ts { display: inline; }
        .log .tx { padding-right: 16px; }
        .results { max-height: 22vh; overflow-y: auto; font: 12px/1.4 ui-monospace, monospace; padding-left: 0;
          list-style: none; }
        .results li { border-bottom: 1px solid var(--line); padding: 2px 4px; }
        .results li.current { background: #fff8c5; }
        .results button { font-size: 11px; padding: 0 4px; margin-right: 8px; }
        .results .ctx { color: var(--muted); white-space: pre; }
        .results .hitline { white-space: pre; font-weight: 600; }
        """##
}
