// Purge-by-URL through Cloudflare's API, so an emergency key rotation drops the JWKS from
// every edge location at once (without it, each location replaces its copy within
// KEY_CACHE_TTL, when its isolate's key set no longer matches the copy). Needs CLOUDFLARE_ZONE_ID and
// an API token with the Cache Purge permission (CLOUDFLARE_API_TOKEN).
export async function purgeByUrl(
  urls: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const zone = env.CLOUDFLARE_ZONE_ID;
  const token = env.CLOUDFLARE_API_TOKEN;
  if (!zone || !token) {
    return `each location replaces its JWKS copy within KEY_CACHE_TTL; set CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN to purge ${urls.join(', ')} at once`;
  }
  const response = await fetch(`https://api.cloudflare.com/client/v4/zones/${zone}/purge_cache`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ files: urls }),
  });
  const body = (await response.json()) as { success?: boolean; errors?: { message: string }[] };
  if (!response.ok || !body.success) {
    throw new Error(
      `Cloudflare purge failed (${response.status}): ${body.errors?.map((e) => e.message).join('; ')}`,
    );
  }
  return `purged ${urls.join(', ')} from every edge location`;
}
