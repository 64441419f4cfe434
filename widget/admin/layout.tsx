/**
 * The console's frame: a skip link, the top bar (org, who is signed in), the navigation (a
 * menu button under 800 px), and the page. Focus moves to each new page's heading.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { NAV } from "./routes";
import { Link, navigate, useLocation } from "./router";
import { useSession } from "./session";
import { Notices } from "./ui";

export function Shell({ org, title, children }: { org: string | null; title: string; children: ComponentChildren }) {
  const session = useSession();
  const { path } = useLocation();
  const [menu, setMenu] = useState(false);
  useEffect(() => {
    document.title = `${title} — Switchboard console`;
    setMenu(false);
    // A new page: its heading takes focus, so screen readers and keyboards start there.
    const t = requestAnimationFrame(() => document.getElementById("ad-title")?.focus({ preventScroll: true }));
    return () => cancelAnimationFrame(t);
  }, [path, title]);
  const who = session.who.kind === "staff" ? session.who.staff.name : "Admin token";
  const orgName = session.orgs.find((o) => o.id === org)?.name ?? org;
  return (
    <div class="ad-shell">
      <a class="ad-skip" href="#main">
        Skip to content
      </a>
      <header class="ad-top">
        <button type="button" class="ad-menu-btn" aria-expanded={menu} aria-controls="ad-nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <Link class="ad-brand" href={org ? `/admin/orgs/${org}` : "/admin"}>
          Switchboard
        </Link>
        {org ? (
          session.orgs.length > 1 ? (
            <span class="ad-org">
              <select aria-label="Org" value={org} onChange={(e) => navigate(`/admin/orgs/${(e.target as HTMLSelectElement).value}`)}>
                {session.orgs.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </span>
          ) : (
            <span class="ad-org">{orgName}</span>
          )
        ) : null}
        <span class="ad-spacer" />
        <Link class="ad-who" href={org ? `/admin/orgs/${org}/account` : "/admin"}>
          {who}
        </Link>
        <button type="button" class="ad-link-btn" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <div class="ad-body">
        {org ? (
          <nav
            id="ad-nav"
            class={menu ? "ad-nav ad-open" : "ad-nav"}
            aria-label="Console"
            onKeyDown={(e) => {
              if (e.key === "Escape" && menu) {
                setMenu(false);
                document.querySelector<HTMLButtonElement>(".ad-menu-btn")?.focus();
              }
            }}
          >
            <ul>
              {NAV.filter((n) => !n.secrets || session.canSecrets).map((n) => {
                const href = `/admin/orgs/${org}${n.path}`;
                const current = n.path === "" ? path === href : path === href || path.startsWith(`${href}/`);
                return (
                  <li key={n.label}>
                    <Link href={href} aria-current={current ? "page" : undefined}>
                      {n.label}
                    </Link>
                  </li>
                );
              })}
              <li class="ad-nav-sep">
                <a href="/inbox">Inbox ↗</a>
              </li>
            </ul>
          </nav>
        ) : null}
        <main id="main" class="ad-main">
          {children}
        </main>
      </div>
      <Notices />
    </div>
  );
}
