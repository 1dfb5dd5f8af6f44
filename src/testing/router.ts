import type { SimRoute } from "./route.js";

export interface RouteMatch {
  route: SimRoute;
  params: Record<string, string>;
}

/**
 * Routes in registration order; the first match wins. Registering the same
 * method and template again replaces the route in place. Method `*` matches
 * any method; a HEAD request falls back to the GET route.
 */
export class Router {
  readonly #routes: SimRoute[] = [];

  add(route: SimRoute): void {
    const i = this.#routes.findIndex((r) => r.method === route.method && r.path === route.path);
    if (i === -1) this.#routes.push(route);
    else this.#routes[i] = route;
  }

  remove(route: SimRoute): void {
    const i = this.#routes.indexOf(route);
    if (i !== -1) this.#routes.splice(i, 1);
  }

  get routes(): readonly SimRoute[] {
    return this.#routes;
  }

  match(method: string, path: string): RouteMatch | undefined {
    const found = this.#find(method, path);
    return found ?? (method === "HEAD" ? this.#find("GET", path) : undefined);
  }

  #find(method: string, path: string): RouteMatch | undefined {
    for (const route of this.#routes) {
      if (route.method !== method && route.method !== "*") continue;
      const params = route.match(path);
      if (params) return { route, params };
    }
    return undefined;
  }
}
