// Operator actions from the dashboard: each button POSTs to the admin API with the operator's
// token, says in one line what happened, and asks for a redraw.

/** `getToken()` the admin token, `refresh()` redraws, `report(text, ok)` shows the outcome. */
export function createControls({ getToken, refresh, report }) {
  async function act(path, body, label) {
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${getToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      const answer = await response.json().catch(() => ({}));
      report(response.ok ? `${label}: done` : `${label}: ${answer?.data?.error ?? `answered ${response.status}`}`, response.ok);
    } catch {
      report(`${label}: gateway unreachable`, false);
    }
    refresh();
  }

  function button(text, name, onClick) {
    const node = document.createElement('button');
    node.type = 'button';
    node.className = 'act';
    node.dataset.action = name;
    node.textContent = text;
    node.addEventListener('click', onClick);
    return node;
  }

  const lanePath = (id, verb) => `/admin/lanes/${encodeURIComponent(id)}/${verb}`;

  return {
    /** Pause or resume (a held lane, or one paused by a 429), and reset its counts. */
    lane(lane, held) {
      const node = document.createElement('div');
      node.className = 'actions';
      const paused = held || (lane.pausedUntil && lane.pausedUntil > Date.now());
      node.append(
        paused
          ? button('resume', 'resume-lane', () => act(lanePath(lane.id, 'resume'), {}, `resume ${lane.id}`))
          : button('pause', 'pause-lane', () => act(lanePath(lane.id, 'pause'), {}, `pause ${lane.id}`)),
        button('reset counts', 'reset-lane', () => act(lanePath(lane.id, 'reset'), {}, `reset ${lane.id}`)),
      );
      return node;
    },
    queue(paused) {
      return paused
        ? button('resume queue', 'resume-queue', () => act('/admin/queue/resume', {}, 'resume queue'))
        : button('pause queue', 'pause-queue', () => act('/admin/queue/pause', {}, 'pause queue'));
    },
    cancel(job) {
      return button('cancel', 'cancel-job', () => act(`/admin/jobs/${encodeURIComponent(job.id)}/cancel`, {}, `cancel ${job.id.slice(0, 8)}`));
    },
    retry(job) {
      return button('retry', 'retry-job', () => act(`/admin/jobs/${encodeURIComponent(job.id)}/retry`, {}, `retry ${job.id.slice(0, 8)}`));
    },
    purge() {
      return button('purge failed jobs', 'purge-failed', () => act('/admin/jobs/purge', {}, 'purge failed jobs'));
    },
  };
}
