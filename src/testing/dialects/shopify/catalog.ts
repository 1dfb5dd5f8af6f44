export interface ShopifyProduct {
  id: number;
  title: string;
  body_html: string | null;
  vendor: string;
  product_type: string;
  handle: string;
  status: "active" | "draft" | "archived";
  tags: string;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  admin_graphql_api_id: string;
  variants: Array<{ id: number; product_id: number; title: string; price: string; sku: string | null; admin_graphql_api_id: string }>;
  options: Array<{ id: number; product_id: number; name: string; position: number; values: string[] }>;
  images: unknown[];
}

/** The Shopify simulator's products, ids increasing in creation order (REST lists by id). */
export class Catalog {
  readonly products: ShopifyProduct[] = [];
  #nextId = 632_910_392;

  constructor(private readonly now: () => number) {}

  add(input: { title: string; body_html?: string | null; vendor?: string; product_type?: string; tags?: string; price?: string }): ShopifyProduct {
    const id = this.#nextId++;
    const at = new Date(this.now()).toISOString();
    const variantId = id * 10 + 1;
    const product: ShopifyProduct = {
      id,
      title: input.title,
      body_html: input.body_html ?? null,
      vendor: input.vendor ?? "Ballast Store",
      product_type: input.product_type ?? "",
      handle: input.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, ""),
      status: "active",
      tags: input.tags ?? "",
      created_at: at,
      updated_at: at,
      published_at: at,
      admin_graphql_api_id: `gid://shopify/Product/${id}`,
      variants: [
        {
          id: variantId,
          product_id: id,
          title: "Default Title",
          price: input.price ?? "10.00",
          sku: null,
          admin_graphql_api_id: `gid://shopify/ProductVariant/${variantId}`,
        },
      ],
      options: [{ id: id * 10 + 2, product_id: id, name: "Title", position: 1, values: ["Default Title"] }],
      images: [],
    };
    this.products.push(product);
    return product;
  }

  find(id: number): ShopifyProduct | undefined {
    return this.products.find((p) => p.id === id);
  }

  clear(): void {
    this.products.length = 0;
  }
}
