extension DashboardAssets {
    /// Live updates of the runs page and the run page: an EventSource on the run-change stream; each change (at
    /// most one refresh per 250 ms) fetches the page's server-rendered, escaped fragment again from the
    /// coordinator's cache. Also the expand buttons of matrix runs.
    static let liveScript = ##"""
        (function () {
          'use strict';
          const holder = document.getElementById('runs') || document.getElementById('live');
          if (!holder) return;
          const target = holder.tBodies ? holder.tBodies[0] : holder;
          const status = document.getElementById('live-status');
          const expanded = new Set();
          function applyExpanded() {
            document.querySelectorAll('button.expand').forEach(function (b) {
              const on = expanded.has(b.dataset.target);
              b.setAttribute('aria-expanded', on ? 'true' : 'false');
              b.textContent = (on ? '\u25be ' : '\u25b8 ') + b.textContent.replace(/^[\u25b8\u25be]\s*/, '');
            });
            document.querySelectorAll('tr.child').forEach(function (r) { r.hidden = !expanded.has(r.dataset.parent); });
          }
          document.addEventListener('click', function (e) {
            const b = e.target.closest('button.expand');
            if (!b) return;
            if (expanded.has(b.dataset.target)) expanded.delete(b.dataset.target); else expanded.add(b.dataset.target);
            applyExpanded();
          });
          let timer = null, inflight = false, again = false, refreshes = 0;
          async function refresh() {
            if (inflight) { again = true; return; }
            inflight = true;
            try {
              const r = await fetch(holder.dataset.fragment, { credentials: 'same-origin' });
              if (r.redirected) { location.reload(); return; }
              if (r.ok) {
                target.innerHTML = await r.text();
                applyExpanded();
                refreshes += 1;
                holder.dataset.refreshes = String(refreshes);
              }
            } catch (err) {
              if (status) status.textContent = 'live updates: ' + err;
            } finally {
              inflight = false;
              if (again) { again = false; schedule(); }
            }
          }
          function schedule() {
            if (timer) return;
            timer = setTimeout(function () { timer = null; refresh(); }, 250);
          }
          const source = new EventSource(holder.dataset.watch);
          source.onopen = function () {
            if (status) status.textContent = 'live updates: on';
            holder.dataset.live = 'on';
            schedule();
          };
          ['ADDED', 'MODIFIED', 'DELETED'].forEach(function (type) { source.addEventListener(type, schedule); });
          source.onerror = function () {
            holder.dataset.live = 'off';
            if (status) status.textContent = 'live updates: reconnecting\u2026';
          };
        })();
        """##
}
