//! How the domain's value types are stored. The domain stays free of sqlx; its newtypes get
//! their encodings here, once for both backends.

use crate::domain::Hundredths;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

/// Stored as a plain `BIGINT` of hundredths (the `*_hundredths` columns).
impl<DB: Database> Type<DB> for Hundredths
where
    i64: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <i64 as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <i64 as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for Hundredths
where
    i64: Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <DB as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, DB>>::encode_by_ref(&self.raw(), buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for Hundredths
where
    i64: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        <i64 as Decode<'r, DB>>::decode(value).map(Hundredths::from_raw)
    }
}
