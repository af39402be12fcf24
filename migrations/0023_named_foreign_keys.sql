-- Foreign keys get names of their own (<table>_<column>_fkey, declared in the drizzle schemas)
-- instead of the generated ones, one of which PostgreSQL had cut at 63 characters. A rename only:
-- the keys are not dropped, so nothing is re-checked or locked for long.
ALTER TABLE "catalog_experts" RENAME CONSTRAINT "catalog_experts_organisation_id_organisations_id_fk" TO "catalog_experts_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_institutions" RENAME CONSTRAINT "catalog_institutions_organisation_id_organisations_id_fk" TO "catalog_institutions_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_listing_versions" RENAME CONSTRAINT "catalog_listing_versions_listing_id_catalog_listings_id_fk" TO "catalog_listing_versions_listing_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_listings" RENAME CONSTRAINT "catalog_listings_organisation_id_organisations_id_fk" TO "catalog_listings_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_listings" RENAME CONSTRAINT "catalog_listings_sub_centre_id_sub_centres_id_fk" TO "catalog_listings_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_ndas" RENAME CONSTRAINT "catalog_ndas_listing_id_catalog_listings_id_fk" TO "catalog_ndas_listing_id_fkey";
--> statement-breakpoint
ALTER TABLE "catalog_ndas" RENAME CONSTRAINT "catalog_ndas_organisation_id_organisations_id_fk" TO "catalog_ndas_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "contract_amendments" RENAME CONSTRAINT "contract_amendments_contract_id_technology_contracts_id_fk" TO "contract_amendments_contract_id_fkey";
--> statement-breakpoint
ALTER TABLE "contract_registration_counters" RENAME CONSTRAINT "contract_registration_counters_sub_centre_id_sub_centres_id_fk" TO "contract_registration_counters_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "contract_versions" RENAME CONSTRAINT "contract_versions_contract_id_technology_contracts_id_fk" TO "contract_versions_contract_id_fkey";
--> statement-breakpoint
ALTER TABLE "integration_notifications" RENAME CONSTRAINT "integration_notifications_endpoint_id_webhook_endpoints_id_fk" TO "integration_notifications_endpoint_id_fkey";
--> statement-breakpoint
ALTER TABLE "interest_events" RENAME CONSTRAINT "interest_events_interest_id_interests_id_fk" TO "interest_events_interest_id_fkey";
--> statement-breakpoint
ALTER TABLE "interests" RENAME CONSTRAINT "interests_achievement_id_catalog_listings_id_fk" TO "interests_achievement_id_fkey";
--> statement-breakpoint
ALTER TABLE "interests" RENAME CONSTRAINT "interests_interested_organisation_id_organisations_id_fk" TO "interests_interested_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "interests" RENAME CONSTRAINT "interests_need_id_catalog_listings_id_fk" TO "interests_need_id_fkey";
--> statement-breakpoint
ALTER TABLE "interests" RENAME CONSTRAINT "interests_owner_organisation_id_organisations_id_fk" TO "interests_owner_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "memberships" RENAME CONSTRAINT "memberships_organisation_id_organisations_id_fk" TO "memberships_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "memberships" RENAME CONSTRAINT "memberships_user_id_users_id_fk" TO "memberships_user_id_fkey";
--> statement-breakpoint
ALTER TABLE "oauth_clients" RENAME CONSTRAINT "oauth_clients_organisation_id_organisations_id_fk" TO "oauth_clients_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "organisation_verifications" RENAME CONSTRAINT "organisation_verifications_applied_by_users_id_fk" TO "organisation_verifications_applied_by_fkey";
--> statement-breakpoint
ALTER TABLE "organisation_verifications" RENAME CONSTRAINT "organisation_verifications_decided_by_users_id_fk" TO "organisation_verifications_decided_by_fkey";
--> statement-breakpoint
ALTER TABLE "organisation_verifications" RENAME CONSTRAINT "organisation_verifications_organisation_id_organisations_id_fk" TO "organisation_verifications_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "organisation_verifications" RENAME CONSTRAINT "organisation_verifications_sub_centre_id_sub_centres_id_fk" TO "organisation_verifications_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "organisations" RENAME CONSTRAINT "organisations_sub_centre_id_sub_centres_id_fk" TO "organisations_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "real_name_applications" RENAME CONSTRAINT "real_name_applications_decided_by_users_id_fk" TO "real_name_applications_decided_by_fkey";
--> statement-breakpoint
ALTER TABLE "real_name_applications" RENAME CONSTRAINT "real_name_applications_user_id_users_id_fk" TO "real_name_applications_user_id_fkey";
--> statement-breakpoint
ALTER TABLE "saved_search_alerts" RENAME CONSTRAINT "saved_search_alerts_saved_search_id_saved_searches_id_fk" TO "saved_search_alerts_saved_search_id_fkey";
--> statement-breakpoint
ALTER TABLE "technology_contracts" RENAME CONSTRAINT "technology_contracts_organisation_id_organisations_id_fk" TO "technology_contracts_organisation_id_fkey";
--> statement-breakpoint
ALTER TABLE "technology_contracts" RENAME CONSTRAINT "technology_contracts_sub_centre_id_sub_centres_id_fk" TO "technology_contracts_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "technology_contracts" RENAME CONSTRAINT "technology_contracts_transfer_institution_id_organisations_id_f" TO "technology_contracts_transfer_institution_id_fkey";
--> statement-breakpoint
ALTER TABLE "user_roles" RENAME CONSTRAINT "user_roles_sub_centre_id_sub_centres_id_fk" TO "user_roles_sub_centre_id_fkey";
--> statement-breakpoint
ALTER TABLE "user_roles" RENAME CONSTRAINT "user_roles_user_id_users_id_fk" TO "user_roles_user_id_fkey";
--> statement-breakpoint
ALTER TABLE "vouchers" RENAME CONSTRAINT "vouchers_transaction_id_voucher_transactions_id_fk" TO "vouchers_transaction_id_fkey";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" RENAME CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" TO "webhook_deliveries_endpoint_id_fkey";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" RENAME CONSTRAINT "webhook_deliveries_event_id_webhook_events_id_fk" TO "webhook_deliveries_event_id_fkey";
