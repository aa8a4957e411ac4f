//! `certificates`: the verification code of each entry of a published award list.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    /// The short code printed on the certificate and in its QR code (`/xac-minh/{code}`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub award_list_id: i64,
    pub participant_id: i64,
    /// The entry's index in the list's body.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
