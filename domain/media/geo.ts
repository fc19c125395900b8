export type GpsPoint = { lat: number; lon: number; alt?: number };

/** 0,0 is what receivers write without a fix; out-of-range values are garbage. Both mean "no location". */
export function validGpsPoint(lat: number | null, lon: number | null, alt?: number | null): GpsPoint | null {
  if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180 || (lat === 0 && lon === 0)) return null;
  return alt !== null && alt !== undefined && Number.isFinite(alt) ? { lat, lon, alt } : { lat, lon };
}

/**
 * ISO 6709 point, as in QuickTime ©xyz and com.apple.quicktime.location.ISO6709:
 * '+52.2097-000.8955+103.640/' — latitude, longitude, optional altitude, each signed; the
 * integer width tells degrees (±DD / ±DDD), degrees+minutes (±DDMM / ±DDDMM) or
 * degrees+minutes+seconds (±DDMMSS / ±DDDMMSS), each with an optional decimal fraction.
 */
export function parseIso6709(text: string | null | undefined): GpsPoint | null {
  const m = text ? /^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?\/?\s*$/.exec(text.trim()) : null;
  if (!m) return null;
  const lat = sexagesimal(m[1]!, 2);
  const lon = sexagesimal(m[2]!, 3);
  return validGpsPoint(lat, lon, m[3] === undefined ? null : Number(m[3]));
}

function sexagesimal(field: string, degreeDigits: number): number | null {
  const sign = field.startsWith('-') ? -1 : 1;
  const [intPart = '', fraction = ''] = field.slice(1).split('.');
  const frac = fraction ? Number(`0.${fraction}`) : 0;
  const digits = intPart.length - degreeDigits;
  let value: number;
  if (digits === 0) value = Number(intPart) + frac;
  else if (digits === 2) value = Number(intPart.slice(0, degreeDigits)) + (Number(intPart.slice(degreeDigits)) + frac) / 60;
  else if (digits === 4) {
    const minutes = Number(intPart.slice(degreeDigits, degreeDigits + 2));
    const seconds = Number(intPart.slice(degreeDigits + 2)) + frac;
    value = Number(intPart.slice(0, degreeDigits)) + minutes / 60 + seconds / 3600;
  } else return null;
  return sign * value;
}
